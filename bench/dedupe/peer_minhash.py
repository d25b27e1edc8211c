# Peer for bench/dedupe/signatures.ts: datasketch's MinHash algorithm (datasketch is not
# installable offline here), vectorised with numpy exactly as datasketch's MinHash.update_batch:
# sha1 of each shingle -> 32-bit value, then 112 permutations (a*h + b) mod (2^61 - 1) & (2^32 - 1).
# Reads JSONL docs, prints {"mb_per_s": ..., "docs": ...}.
import hashlib, json, re, struct, sys, time
import numpy as np

PRIME = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)
P = 112
gen = np.random.RandomState(1)
A = gen.randint(1, (1 << 61) - 1, size=P, dtype=np.uint64)
B = gen.randint(0, (1 << 61) - 1, size=P, dtype=np.uint64)
WORD = re.compile(r"\w+")

def signature(text):
    words = WORD.findall(text.lower())
    n = 5
    shingles = [" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))]
    hv = np.array([struct.unpack("<I", hashlib.sha1(s.encode("utf8")).digest()[:4])[0] for s in shingles], dtype=np.uint64)
    phv = ((np.outer(hv, A) + B) % PRIME) & MAX_HASH
    return phv.min(axis=0)

docs = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf8") if l.strip()]
nbytes = sum(len(d.encode("utf8")) for d in docs)
t = time.perf_counter()
c = time.process_time()
for d in docs:
    signature(d)
s = time.perf_counter() - t
cs = time.process_time() - c
print(json.dumps({"mb_per_s": nbytes / 1e6 / s, "mb_per_cpu_s": nbytes / 1e6 / cs, "docs": len(docs)}))
