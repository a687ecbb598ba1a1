// The peer: satori (JSX-like tree -> SVG) + @resvg/resvg-js (SVG -> PNG), the
// engine behind @vercel/og, rendering the cards bench/og.py measures, with the
// same text, the same font files (the CJK face taken out of the collection,
// which satori cannot read) and Noto Color Emoji's own bitmaps for emoji.
//
//   cd bench/peer && npm install && node og_peer.mjs cases.json [renders]
//
// cases.json is written by bench/og.py. Prints one JSON line: per case, the
// median ms for satori, rasterise, PNG encode and the whole card, every
// card's ms, and the first card's (satori parses the fonts then).
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import satori from "satori";
import { Resvg } from "@resvg/resvg-js";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const renders = Number(process.argv[3] || 50);
const COLOURS = ["#6366f1", "#22d3ee", "#a855f7", "#f472b6", "#38bdf8"];
const h = (type, style, children, extra = {}) => ({ type, props: { style, children, ...extra } });
const fontCache = new Map();
const fontData = (path) => {
  if (!fontCache.has(path)) fontCache.set(path, readFileSync(path));
  return fontCache.get(path);
};

function random(seed) { // mulberry32: a small seeded stream
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shapes(seed) {
  const next = random(seed);
  const out = [];
  for (let i = 0; i < 12; i++) {
    const size = Math.round(630 * (0.1 + 0.6 * next() * next()));
    const kind = Math.floor(next() * 3); // circle, ring, rotated square
    out.push(h("div", {
      position: "absolute", left: Math.round(next() * 1300) - 100, top: Math.round(next() * 730) - 100,
      width: size, height: size, opacity: 0.3 + 0.5 * next(),
      borderRadius: kind < 2 ? size / 2 : 0,
      ...(kind === 1
        ? { border: `${Math.max(1, Math.round(size * 0.06))}px solid ${COLOURS[i % 5]}` }
        : { backgroundColor: COLOURS[i % 5] }),
      ...(kind === 2 ? { transform: `rotate(${Math.round(next() * 90)}deg)` } : {}),
    }));
  }
  return out;
}

function quoteCard(c) {
  return h("div", {
    display: "flex", flexDirection: "column", padding: "32px 40px", margin: "0 50px",
    backgroundColor: "rgba(2, 6, 23, 0.62)", borderRadius: 19, borderLeft: "5px solid #facc15",
    direction: c.rtl ? "rtl" : "ltr",
  }, [
    h("div", { fontSize: c.size, fontWeight: 700, color: "#f8fafc", lineHeight: 1.25 }, c.quote),
    h("div", { fontSize: 29, color: "#facc15", marginTop: 36 }, "— " + c.author),
  ]);
}

function articleCard(c) {
  return h("div", {
    position: "absolute", left: 38, top: 38, width: 1124, height: 554, display: "flex", flexDirection: "column",
    padding: 44, backgroundColor: "rgba(2, 6, 23, 0.62)", borderRadius: 18, borderBottom: "8px solid #facc15",
  }, [
    h("div", { display: "flex", alignItems: "center", fontSize: 28, color: "#facc15" }, [
      h("img", { width: 126, height: 42, marginRight: 17 }, undefined, { src: c.logo, width: 126, height: 42 }),
      h("div", {}, c.site),
    ]),
    h("div", { fontSize: c.size, fontWeight: 700, color: "#f8fafc", lineHeight: 1.25, marginTop: 22 }, c.title),
    h("div", { fontSize: 40, color: "#f8fafc", lineHeight: 1.25, marginTop: 30 }, c.description),
    h("div", { fontSize: 28, color: "#facc15", marginTop: "auto" }, c.author),
  ]);
}

function card(c, seed) {
  return h("div", {
    width: 1200, height: 630, display: "flex", alignItems: "center", justifyContent: "center",
    fontFamily: c.fonts.map((f) => f.name).join(", "),
    backgroundImage: "linear-gradient(135deg, #0f172a, #1e1b4b)",
  }, [...shapes(seed), c.kind === "article" ? articleCard(c) : quoteCard(c)]);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const results = {};
for (const [name, c] of Object.entries(spec.cases)) {
  const fonts = c.fonts.map((f) => ({ name: f.name, data: fontData(f.path), weight: f.weight, style: "normal" }));
  const options = {
    width: 1200, height: 630, fonts,
    loadAdditionalAsset: async (code, segment) => (code === "emoji" ? c.emoji[segment] || "" : []),
  };
  const times = { satori: [], rasterise: [], encode: [], total: [] };
  let bytes = 0;
  let first = null;
  const warmup = Math.min(10, renders);
  for (let i = 0; i < renders + warmup; i++) {
    const t0 = performance.now();
    const svg = await satori(card(c, i), options);
    const t1 = performance.now();
    const image = new Resvg(svg, { fitTo: { mode: "original" }, font: { loadSystemFonts: false } }).render();
    const t2 = performance.now();
    const png = image.asPng();
    const t3 = performance.now();
    bytes = png.length;
    if (first === null) first = t3 - t0;
    if (i >= warmup) {
      times.satori.push(t1 - t0); times.rasterise.push(t2 - t1);
      times.encode.push(t3 - t2); times.total.push(t3 - t0);
    }
  }
  results[name] = {
    bytes, satori_ms: median(times.satori), rasterise_ms: median(times.rasterise),
    encode_ms: median(times.encode), total_ms: median(times.total), samples: times.total, first_ms: first,
  };
}
console.log(JSON.stringify({ renders, node: process.version, rss_mb: process.memoryUsage().rss / 2 ** 20, results }));
