# The peer: datatrove's NGramsDecontFilter algorithm (huggingface/datatrove @ 17fe6e85,
# src/datatrove/pipeline/decont/n_grams.py) in the Python standard library only, since neither
# datatrove nor its dependencies (nltk, xxhash) are installed here: simplify_text (lower case,
# punctuation removed, whitespace collapsed) -> words -> 13-grams joined by spaces -> a hash ->
# lookup in a set built from the eval items. Built-in hash() stands in for xxhash64 and
# str.split() for nltk's word_tokenize (both are faster than what they replace, so the peer is
# favoured). Reads the same JSONL files the kiln side reads; prints one JSON line.
import json, re, sys, time

def simplify(text, _punct=re.compile(r"[^\w\s]+"), _space=re.compile(r"\s+")):
    return _space.sub(" ", _punct.sub(" ", text.lower())).strip()

def main():
    docs_file, eval_file, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    items = [json.loads(l)["text"] for l in open(eval_file, encoding="utf-8") if l.strip()]
    docs = [json.loads(l)["text"] for l in open(docs_file, encoding="utf-8") if l.strip()]
    t0 = time.process_time()
    index = set()
    for it in items:
        w = simplify(it).split()
        for i in range(len(w) - n + 1):
            index.add(hash(" ".join(w[i:i + n])))
    t1 = time.process_time()
    hit = 0
    nbytes = 0
    for d in docs:
        nbytes += len(d.encode("utf-8"))
        w = simplify(d).split()
        for i in range(len(w) - n + 1):
            if hash(" ".join(w[i:i + n])) in index:
                hit += 1
                break
    t2 = time.process_time()
    print(json.dumps({"build_s": t1 - t0, "scan_cpu_s": t2 - t1, "bytes": nbytes, "contaminated": hit, "ngrams": len(index)}))

main()
