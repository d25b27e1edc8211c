/** Random-access reads of one shard file, local or remote. */
export interface ByteSource {
  /** Where the bytes come from (path or URL), for error messages. */
  readonly location: string;
  /**
   * Exactly `length` bytes at `offset`; a short read is an error naming the file. With `into`
   * (at least `length` bytes), the bytes land there and the result is its first `length` bytes.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /** The file's size in bytes. */
  size(): Promise<number>;
  close(): Promise<void>;
}

/** True for http: and https: locations. */
export function isHttpLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}
