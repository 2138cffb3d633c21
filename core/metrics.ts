/** A tiny metrics registry rendered in Prometheus text format. */

export type Labels = Record<string, string>;
export type Sample = number | Array<[Labels, number]>;

export interface Metrics {
  /** A counter that only goes up. */
  counter(name: string, help: string): { inc(by?: number, labels?: Labels): void };
  /** A value read when scraped; `type` is `counter` when what it reads only goes up. */
  gauge(name: string, help: string, read: () => Sample, type?: "gauge" | "counter"): void;
  /** Observations summarised as quantiles over the last 1024 values, plus count and sum. */
  summary(name: string, help: string): { observe(value: number): void };
  render(): string;
}

const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
};

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function createMetrics(): Metrics {
  const renderers = new Map<string, () => string>();

  const head = (name: string, help: string, type: string) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;

  return {
    counter(name, help) {
      const values = new Map<string, number>();
      renderers.set(name, () =>
        head(name, help, "counter") +
        [...values].map(([l, v]) => `${name}${l} ${v}\n`).join(""));
      return {
        inc(by = 1, labels = {}) {
          const key = labelText(labels);
          values.set(key, (values.get(key) ?? 0) + by);
        },
      };
    },
    gauge(name, help, read, type = "gauge") {
      renderers.set(name, () => {
        const sample = read();
        const rows = typeof sample === "number" ? [[{}, sample] as [Labels, number]] : sample;
        return head(name, help, type) +
          rows.map(([l, v]) => `${name}${labelText(l)} ${v}\n`).join("");
      });
    },
    summary(name, help) {
      const window: number[] = [];
      let count = 0;
      let sum = 0;
      renderers.set(name, () => {
        const sorted = [...window].sort((a, b) => a - b);
        return head(name, help, "summary") +
          [0.5, 0.95, 0.99].map((q) => `${name}{quantile="${q}"} ${quantile(sorted, q)}\n`)
            .join("") +
          `${name}_sum ${sum}\n${name}_count ${count}\n`;
      });
      return {
        observe(value) {
          window.push(value);
          if (window.length > 1024) window.shift();
          count++;
          sum += value;
        },
      };
    },
    render: () => [...renderers.values()].map((r) => r()).join(""),
  };
}
