// The peer: satori (JSX-like tree -> SVG) + @resvg/resvg-js (SVG -> PNG), the
// engine behind @vercel/og, rendering the card bench/og.py measures: 1200x630,
// a 120-character quote, an author, 12 seeded shapes, DejaVu Sans.
//
//   cd bench/peer && npm install && node og_peer.mjs [renders]
//
// Prints median ms for satori, rasterise, PNG encode and the whole card.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import satori from "satori";
import { Resvg } from "@resvg/resvg-js";

const FONTS = new URL("../../app/og/fonts/", import.meta.url);
const fonts = [
  { name: "DejaVu Sans", data: readFileSync(new URL("DejaVuSans.ttf", FONTS)), weight: 400, style: "normal" },
  { name: "DejaVu Sans", data: readFileSync(new URL("DejaVuSans-Bold.ttf", FONTS)), weight: 700, style: "normal" },
];
const QUOTE = "The best way to predict the future is to invent it; the second best is to " +
  "render it fast and cache it forever, they say.";
const COLOURS = ["#6366f1", "#22d3ee", "#a855f7", "#f472b6", "#38bdf8"];
const h = (type, style, children) => ({ type, props: { style, children } });

function random(seed) { // mulberry32: a small seeded stream
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function card(seed) {
  const next = random(seed);
  const shapes = [];
  for (let i = 0; i < 12; i++) {
    const size = Math.round(630 * (0.1 + 0.6 * next() * next()));
    const kind = Math.floor(next() * 3); // circle, ring, rotated square
    shapes.push(h("div", {
      position: "absolute", left: Math.round(next() * 1300) - 100, top: Math.round(next() * 730) - 100,
      width: size, height: size, opacity: 0.3 + 0.5 * next(),
      borderRadius: kind < 2 ? size / 2 : 0,
      ...(kind === 1
        ? { border: `${Math.max(1, Math.round(size * 0.06))}px solid ${COLOURS[i % 5]}` }
        : { backgroundColor: COLOURS[i % 5] }),
      ...(kind === 2 ? { transform: `rotate(${Math.round(next() * 90)}deg)` } : {}),
    }));
  }
  const panel = h("div", {
    display: "flex", flexDirection: "column", padding: "32px 40px", margin: "0 50px",
    backgroundColor: "rgba(2, 6, 23, 0.62)", borderRadius: 19, borderLeft: "5px solid #facc15",
  }, [
    h("div", { fontSize: 52, fontWeight: 700, color: "#f8fafc", lineHeight: 1.25 }, QUOTE),
    h("div", { fontSize: 29, color: "#facc15", marginTop: 36 }, "— Alan Kay"),
  ]);
  return h("div", {
    width: 1200, height: 630, display: "flex", alignItems: "center", justifyContent: "center",
    fontFamily: "DejaVu Sans", backgroundImage: "linear-gradient(135deg, #0f172a, #1e1b4b)",
  }, [...shapes, panel]);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const renders = Number(process.argv[2] || 200);
const times = { satori: [], rasterise: [], encode: [], total: [] };
let bytes = 0;
for (let i = 0; i < renders + 20; i++) {
  const t0 = performance.now();
  const svg = await satori(card(i), { width: 1200, height: 630, fonts });
  const t1 = performance.now();
  const image = new Resvg(svg, { fitTo: { mode: "original" } }).render();
  const t2 = performance.now();
  const png = image.asPng();
  const t3 = performance.now();
  bytes = png.length;
  if (i >= 20) { // after warm-up
    times.satori.push(t1 - t0); times.rasterise.push(t2 - t1);
    times.encode.push(t3 - t2); times.total.push(t3 - t0);
  }
}
console.log(JSON.stringify({
  renders, bytes, node: process.version,
  satori_ms: median(times.satori), rasterise_ms: median(times.rasterise),
  encode_ms: median(times.encode), total_ms: median(times.total),
}));
