/**
 * Re-slices an arbitrary byte source into exact-length reads, pulling only as much input as a
 * read needs. This is what keeps encryption and decryption at constant memory: at most one read
 * worth of input is buffered, whatever the size of the source.
 *
 * Platform-neutral; sdk/stream/web feeds it a WHATWG ReadableStream through an async iterator.
 */

/** Anything that produces bytes: a buffer, a Node Readable, or an (async) iterable of chunks. */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * True for a Uint8Array (or Buffer) from any realm. `instanceof` alone fails for bytes made in
 * another realm (an iframe, a worker's transferred buffer, a vm context), which are still bytes.
 */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === "[object Uint8Array]");
}

/** Consumed slots at the front before the queue array is compacted (see #consume). */
const COMPACT_AFTER = 1024;

/** What a consumed slot holds instead of its piece, so the piece itself can be collected. */
const CONSUMED = new Uint8Array(0);

export class ByteReader {
  readonly #iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  #pieces: Uint8Array[] = [];
  #head = 0; // index of the first unconsumed piece in #pieces
  #offset = 0; // bytes already consumed from #pieces[#head]
  #buffered = 0; // unconsumed bytes across #pieces
  #done = false;

  constructor(source: ByteSource) {
    // A Uint8Array is itself an Iterable<number>, so it must be wrapped before the generic case.
    const iterable = isBytes(source) ? [source] : source;
    this.#iterator =
      Symbol.asyncIterator in iterable ? iterable[Symbol.asyncIterator]() : (iterable as Iterable<Uint8Array>)[Symbol.iterator]();
  }

  /**
   * Returns the next `n` bytes, or fewer only at the end of the source. When the bytes lie in one
   * source piece they are returned as a view without copying; callers must not mutate them, and
   * sources must not reuse a buffer after yielding it (Node streams never do).
   */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buffered < n && (await this.#pull())) {
      // keep pulling until the read can be served or the source ends
    }
    const take = Math.min(n, this.#buffered);
    const head = this.#pieces[this.#head];
    if (take === 0 || head === undefined) return new Uint8Array(0);

    if (head.byteLength - this.#offset >= take) {
      const view = head.subarray(this.#offset, this.#offset + take);
      this.#consume(take);
      return view;
    }
    const out = new Uint8Array(take);
    let filled = 0;
    while (filled < take) {
      const piece = this.#pieces[this.#head]!;
      const count = Math.min(piece.byteLength - this.#offset, take - filled);
      out.set(piece.subarray(this.#offset, this.#offset + count), filled);
      filled += count;
      this.#consume(count);
    }
    return out;
  }

  /** True when no bytes remain. Pulls at most one more piece to find out. */
  async atEnd(): Promise<boolean> {
    while (this.#buffered === 0) {
      if (!(await this.#pull())) return true;
    }
    return false;
  }

  /** Releases the source early (destroys a Readable), e.g. when the consumer stops or fails. */
  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#iterator.return?.();
  }

  #consume(count: number): void {
    this.#offset += count;
    this.#buffered -= count;
    if (this.#offset === this.#pieces[this.#head]!.byteLength) {
      // Drop the reference at once. Reads that straddle pieces (1 MiB file reads under
      // 1 MiB + 16 B segments: every decryption of a file) never empty the queue, so a consumed
      // piece left in its slot stayed alive until compaction — up to COMPACT_AFTER pieces, which
      // made peak memory grow with the file size. Only the empty slot may wait for compaction.
      this.#pieces[this.#head] = CONSUMED;
      this.#head++;
      this.#offset = 0;
      // Advancing an index instead of shift() keeps a read over many tiny pieces linear: shift()
      // moves every remaining element, which is quadratic when a 1 MiB read spans 10^5 pieces.
      if (this.#head === this.#pieces.length) {
        this.#pieces = [];
        this.#head = 0;
      } else if (this.#head >= COMPACT_AFTER) {
        this.#pieces = this.#pieces.slice(this.#head);
        this.#head = 0;
      }
    }
  }

  async #pull(): Promise<boolean> {
    if (this.#done) return false;
    const next = await this.#iterator.next();
    if (next.done) {
      this.#done = true;
      return false;
    }
    const piece: unknown = next.value;
    if (!isBytes(piece)) {
      throw new TypeError("byte source yielded a non-Uint8Array value (is the Readable in object or string mode?)");
    }
    if (piece.byteLength > 0) {
      this.#pieces.push(piece);
      this.#buffered += piece.byteLength;
    }
    return true;
  }
}
