/**
 * A backup file's lines, read one at a time from its gzip'd bytes, each bounded as it is read.
 *
 * Invariants:
 * - A line is split on its bytes before it is decoded: no line longer than its bound is ever
 *   held, whole or in part beyond the bound (a 200 MB line is refused once its first bytes past
 *   the bound come, not read into one string). The file is inflated a small piece at a time,
 *   so what comes out at once stays near 1 MiB however well the bytes compress.
 * - The refusal names the file and the line (`FILE: line N is longer than … bytes`).
 * - Text is UTF-8; a byte-order mark opening the file is read past (as an editor's), anywhere
 *   else it stays (and fails the checksum like any other changed byte).
 * - The file is closed however reading ends: read through, refused, or left early.
 */

/** A backup's header line: the migrations and each table's columns (a few KB here). */
export const MAX_HEADER_BYTES = 1024 * 1024;
/**
 * A row line: one row as Postgres's jsonb text. The longest rows are a campaign's definition
 * and an audit row's before and after (tens of KB); the panel's requests take 16 KB, an asset
 * is a file, not a row. 8 MiB leaves room to spare.
 */
export const MAX_ROW_BYTES = 8 * 1024 * 1024;
/** The trailer line: the row counts and the sequences (a few KB here). */
export const MAX_TRAILER_BYTES = 1024 * 1024;

/** A line over its bound; the message names the file and the line. */
export class LineTooLong extends Error {
  override name = "LineTooLong";
}

const NEWLINE = 10;
/**
 * Compressed bytes are inflated in pieces this small: DEFLATE inflates up to ~1,032 times, and
 * the decompressor hands out a piece's output whole (one 64 KiB read of a hostile file was one
 * 66 MB chunk), so a piece's output stays near 1 MiB.
 */
const INFLATE_PIECE = 1024;

const inPieces = () =>
  new TransformStream<Uint8Array<ArrayBuffer>, BufferSource>({
    transform(chunk, out) {
      for (let i = 0; i < chunk.length; i += INFLATE_PIECE) {
        out.enqueue(chunk.subarray(i, i + INFLATE_PIECE));
      }
    },
  });

/**
 * Lines of a gzip'd file, one at a time: line `n` (from 1) whose first byte is `first` at most
 * `bound(n, first)` bytes.
 */
export async function* linesOf(
  path: string,
  bound: (n: number, first: number) => number,
): AsyncGenerator<string> {
  const file = await Deno.open(path);
  const reader = file.readable.pipeThrough(inPieces()).pipeThrough(new DecompressionStream("gzip"))
    .getReader();
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let parts: Uint8Array[] = [];
  let size = 0;
  let first = 0;
  let n = 1;
  const line = () => {
    const text = decoder.decode(join(parts, size));
    parts = [];
    size = 0;
    return n++ === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text;
  };
  try {
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      let at = 0;
      while (at < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, at);
        const end = newline < 0 ? chunk.length : newline;
        if (size === 0) first = chunk[at];
        size += end - at;
        if (size > bound(n, first)) {
          throw new LineTooLong(`${path}: line ${n} is longer than ${bound(n, first)} bytes`);
        }
        parts.push(chunk.subarray(at, end));
        if (newline < 0) break;
        yield line();
        at = newline + 1;
      }
    }
    if (size) yield line();
  } finally {
    await reader.cancel().catch(() => {}); // closes the file
  }
}

function join(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
