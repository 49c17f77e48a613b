// Validates an AsyncAPI document with the official parser; prints its diagnostics as JSON.
// Usage: node validate.mjs FILE   (exit status 0 when the document has no errors)
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(await readFile(file, "utf8"), { source: file });
const severities = ["error", "warning", "info", "hint"];
const report = diagnostics.map((d) => ({
  severity: severities[d.severity] ?? String(d.severity),
  code: d.code,
  message: d.message,
  path: d.path.join("/"),
}));
console.log(JSON.stringify({ valid: document !== undefined, diagnostics: report }, null, 1));
process.exit(document !== undefined && !report.some((d) => d.severity === "error") ? 0 : 1);
