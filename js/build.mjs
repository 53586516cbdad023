// Bundle the studio's ESM module and stylesheet into the Python package, so `pip install` needs no Node.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, "..", "nemo_widgets", "widget", "static");

await esbuild.build({
  entryPoints: [path.join(here, "src", "studio.js"), path.join(here, "src", "studio.css")],
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  outdir,
  logLevel: "info",
});
