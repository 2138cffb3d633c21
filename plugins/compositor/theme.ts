/**
 * The look shared by every scene and widget: one palette, one type scale.
 * Sizes are pixels at 720p; widgets multiply by their box's `scale`.
 */
export const theme = {
  font: "Inter",
  ink: "#f4f1ea",
  muted: "#a9a49a",
  faint: "#6f6a62",
  gold: "#d8b46a",
  goldDeep: "#a8843c",
  card: "#14161ccc",
  cardEdge: "#ffffff14",
  ok: "#5fd08a",
  bad: "#ef6a5a",
  urgent: "#ff5a4a",
  warn: "#ffb347",
  radius: 14,
} as const;

/** A canvas font string, e.g. `font(800, 32, scale)`. */
export function font(weight: number, px: number, scale = 1): string {
  return `${weight} ${Math.round(px * scale * 10) / 10}px ${theme.font}`;
}
