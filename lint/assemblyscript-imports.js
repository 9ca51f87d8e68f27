// A parser for engine/assembly: AssemblyScript is not TypeScript (decorators on functions, casts such as
// `(<u64>1) << n` that tsc cannot parse), but its import lines are. Only those lines reach the TypeScript
// parser; every other character becomes a space, so reported lines and columns stay those of the file.
import tseslint from "typescript-eslint";

const IMPORT_OR_REEXPORT = /^import\s*["'][^"']*["'];?|^(?:import|export)\s[^;]*?\bfrom\s*["'][^"']*["'];?/gm;

export function parseForESLint(code, options) {
  let kept = code.replace(/[^\n]/g, " ");
  for (const match of code.matchAll(IMPORT_OR_REEXPORT)) {
    kept = kept.slice(0, match.index) + match[0] + kept.slice(match.index + match[0].length);
  }
  return tseslint.parser.parseForESLint(kept, options);
}

export default { meta: { name: "assemblyscript-imports" }, parseForESLint };
