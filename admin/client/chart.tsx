/** @jsxImportSource preact */
/** A small uPlot time series, with its latest value coloured by a threshold rule. */
import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";

export type Level = "good" | "warning" | "error" | "";

export interface SparkProps {
  id: string;
  label: string;
  unit: string;
  /** Seconds since epoch, and the values. */
  times: number[];
  values: number[];
  level: Level;
  digits?: number;
}

const COLOURS: Record<Level, string> = {
  "": "#8fb3ff",
  good: "#4cd07d",
  warning: "#f2c94c",
  error: "#ff5c5c",
};

export function Spark(props: SparkProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const p = new uPlot(
      {
        width: 240,
        height: 70,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true } },
        axes: [{ show: false }, { size: 36, stroke: "#9aa4b2", grid: { stroke: "#2a3140" } }],
        series: [{}, { stroke: COLOURS[props.level], width: 1.5, fill: "rgba(143,179,255,0.08)" }],
      },
      [props.times, props.values],
      box.current!,
    );
    plot.current = p;
    return () => p.destroy();
  }, [props.level]);
  useEffect(() => {
    plot.current?.setData([props.times, props.values]);
  }, [props.times, props.values]);
  const last = props.values.at(-1);
  return (
    <div class="spark" id={props.id}>
      <div class="spark-head">
        <span>{props.label}</span>
        <b class={`level-${props.level || "none"}`} data-level={props.level}>
          {last === undefined ? "—" : `${last.toFixed(props.digits ?? 0)} ${props.unit}`}
        </b>
      </div>
      <div ref={box} />
    </div>
  );
}
