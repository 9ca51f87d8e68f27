/**
 * The one place the main bundle reaches for the engine: a dynamic import, so the engine glue and its `.wasm`
 * are fetched only when a preview first needs them. The bundle rewrites this import to `./kopilka-engine.js`,
 * the separately built module next to `kopilka.js` (widget/build.ts).
 */
export type PreviewEngine = typeof import("./preview-engine.ts");

let loaded: Promise<PreviewEngine> | undefined;

export function loadPreviewEngine(): Promise<PreviewEngine> {
  loaded ??= import("./preview-engine.ts");
  loaded.catch(() => (loaded = undefined));
  return loaded;
}
