/**
 * Linear-interpolation resampling of 16-bit mono PCM. Good enough for the
 * host's synthetic voice going up from espeak-ng's 22,050 Hz to 48 kHz: its
 * speech has little energy near the old Nyquist, so the images stay faint.
 */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to || input.length === 0) return input.slice();
  const length = Math.floor((input.length * to) / from);
  const out = new Int16Array(length);
  const step = from / to;
  for (let i = 0; i < length; i++) {
    const x = i * step;
    const j = Math.floor(x);
    const a = input[j];
    const b = input[Math.min(j + 1, input.length - 1)];
    out[i] = Math.round(a + (b - a) * (x - j));
  }
  return out;
}
