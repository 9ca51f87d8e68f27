/** The preview is a line of text that takes the page's font and colour unless themed. */
import { css } from "lit";

export const styles = css`
  :host {
    display: inline;
    color: var(--kopilka-preview-color, inherit);
    font: inherit;
  }
  [part~="text"] { display: inline-flex; align-items: baseline; gap: 0.35em; }
  [part~="icon"] {
    display: inline-grid;
    place-items: center;
    width: 1.3em;
    height: 1.3em;
    border-radius: 50%;
    background: var(--kopilka-accent, #7c2d92);
    color: var(--kopilka-on-accent, #ffffff);
    font-weight: 700;
    font-size: 0.85em;
    line-height: 1;
    align-self: center;
  }
  [part~="error"] { color: var(--kopilka-text-muted, #5b5661); }
`;
