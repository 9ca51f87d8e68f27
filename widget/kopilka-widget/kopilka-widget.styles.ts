/**
 * The widget's styles, inside its shadow root (nothing leaks to the page, the page's CSS reaches in only
 * through the custom properties below and `::part`). Every colour pair meets WCAG AA contrast by default.
 */
import { css } from "lit";

export const styles = css`
  :host {
    --_accent: var(--kopilka-accent, #7c2d92);
    --_on-accent: var(--kopilka-on-accent, #ffffff);
    --_surface: var(--kopilka-surface, #ffffff);
    --_surface-2: var(--kopilka-surface-muted, #f5f3f7);
    --_text: var(--kopilka-text, #1d1b20);
    --_muted: var(--kopilka-text-muted, #5b5661);
    --_border: var(--kopilka-border, #d6d1dc);
    --_error: var(--kopilka-error, #b3261e);
    --_success: var(--kopilka-success, #146c2e);
    --_radius: var(--kopilka-radius, 14px);
    --_font: var(--kopilka-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
    --_z: var(--kopilka-z-index, 2147483000);
    all: initial;
    display: contents;
    font-family: var(--_font);
  }
  *, *::before, *::after { box-sizing: border-box; }
  [hidden] { display: none !important; }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }

  [part~="launcher"] {
    position: fixed;
    right: var(--kopilka-launcher-right, 20px);
    bottom: var(--kopilka-launcher-bottom, 20px);
    z-index: var(--_z);
    display: inline-flex;
    align-items: center;
    gap: 8px;
    min-height: 48px;
    padding: 12px 18px;
    border: 0;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_on-accent);
    font: 600 15px/1.2 var(--_font);
    box-shadow: 0 6px 20px rgb(0 0 0 / 0.22);
    cursor: pointer;
  }
  [part~="launcher"]:hover { filter: brightness(1.08); }

  button:focus-visible, input:focus-visible, [tabindex]:focus-visible {
    outline: 3px solid var(--kopilka-focus, #1a73e8);
    outline-offset: 2px;
  }
  [part~="launcher"]:focus-visible { outline-color: var(--_text); outline-offset: 3px; }

  dialog {
    position: fixed;
    inset: auto var(--kopilka-launcher-right, 20px) calc(var(--kopilka-launcher-bottom, 20px) + 60px) auto;
    width: min(var(--kopilka-panel-width, 400px), calc(100vw - 24px));
    max-height: min(720px, calc(100vh - 110px));
    margin: 0;
    padding: 0;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    font: 15px/1.45 var(--_font);
    box-shadow: 0 18px 48px rgb(0 0 0 / 0.28);
    overflow: hidden;
    flex-direction: column;
  }
  dialog[open] { display: flex; }
  dialog::backdrop { background: rgb(20 16 24 / 0.35); }

  @media (max-width: 520px) {
    dialog {
      inset: 0;
      width: 100%;
      max-width: 100%;
      height: 100%;
      max-height: 100%;
      border: 0;
      border-radius: 0;
    }
  }

  [part~="header"] {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    padding: 14px 16px 14px 20px;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  [part~="title"] { margin: 0; font-size: 17px; font-weight: 700; line-height: 1.25; }
  [part~="title"]:focus { outline: none; }
  [part~="title"]:focus-visible { outline: 2px solid var(--_on-accent); outline-offset: 4px; border-radius: 4px; }
  [part~="shop"] { display: block; font-size: 13px; font-weight: 500; opacity: 0.9; }
  [part~="close"] {
    display: grid;
    place-items: center;
    flex: none;
    width: 44px;
    height: 44px;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: inherit;
    cursor: pointer;
  }
  [part~="close"]:hover { background: rgb(255 255 255 / 0.16); }
  [part~="close"]:focus-visible { outline-color: var(--_on-accent); }

  [part~="body"] { overflow-y: auto; padding: 4px 20px 20px; overscroll-behavior: contain; }

  h3, h4, p, ul, ol { margin: 0; }
  ul, ol { padding: 0; list-style: none; }
  [part~="section"], [part~="form"] { padding: 16px 0; border-bottom: 1px solid var(--_border); }
  [part~="section"]:last-of-type, [part~="form"]:last-child { border-bottom: 0; }
  [part~="section-title"] { margin-bottom: 10px; font-size: 16px; font-weight: 700; }
  [part~="subtitle"] { margin: 14px 0 6px; font-size: 13px; font-weight: 700; color: var(--_muted); text-transform: uppercase; letter-spacing: 0.03em; }

  [part~="hero"] {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    margin-top: 16px;
    padding: 14px 16px;
    border-radius: 12px;
    background: var(--kopilka-hero-background, #f3e8f7);
  }
  [part~="hero-text"] { font-size: 17px; font-weight: 700; line-height: 1.3; }
  [part~="hero"] [part~="button"] { flex: none; }
  [part~="facts"] { display: grid; gap: 6px; }
  [part~="fact"] { position: relative; padding-left: 20px; }
  [part~="fact"]::before {
    content: "";
    position: absolute;
    left: 4px;
    top: 0.55em;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--_accent);
  }
  [part~="welcome"] { font-weight: 700; }

  [part~="tiers"], [part~="reward-list"], [part~="coupons"] { display: grid; gap: 8px; }
  [part~="tier-item"], [part~="reward-item"], [part~="coupon-item"] {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 4px 12px;
    padding: 10px 12px;
    border-radius: 10px;
    background: var(--_surface-2);
  }
  [part~="tier-item"] span { color: var(--_muted); font-size: 14px; }

  [part~="message"] { margin: 12px 0 0; padding: 10px 12px; border-radius: 10px; background: var(--_surface-2); }
  [part~="message"][part~="error"] { background: #fdecea; color: var(--_error); border: 1px solid currentColor; }
  [part~="message"][part~="success"] { background: #e7f5ea; color: var(--_success); border: 1px solid currentColor; font-weight: 600; }
  [part~="verify-reminder"] { display: grid; gap: 8px; }
  [part~="message"] + [part~="button"] { margin-top: 12px; }

  [part~="hint"] { color: var(--_muted); font-size: 13px; }
  [part~="hint"]:empty { display: none; }
  [part~="field"] { display: grid; gap: 4px; margin-top: 12px; }
  [part~="label"] { font-size: 14px; font-weight: 600; }
  [part~="optional"] { font-weight: 400; color: var(--_muted); }
  [part~="input"] {
    width: 100%;
    min-height: 44px;
    padding: 10px 12px;
    border: 1px solid #8c8594;
    border-radius: 10px;
    background: var(--_surface);
    color: var(--_text);
    font: inherit;
  }
  .invalid [part~="input"], .invalid input[type="checkbox"] { border-color: var(--_error); outline-color: var(--_error); }
  [part~="field-error"] { color: var(--_error); font-size: 13px; font-weight: 600; }
  [part~="consent"] { grid-template-columns: auto 1fr; align-items: start; column-gap: 10px; }
  [part~="consent"] input { width: 22px; height: 22px; margin: 1px 0 0; accent-color: var(--_accent); }
  [part~="consent"] [part~="label"] { font-weight: 400; }
  [part~="consent"] [part~="field-error"] { grid-column: 1 / -1; }

  [part~="button"] {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    min-height: 44px;
    padding: 10px 16px;
    border: 0;
    border-radius: 10px;
    background: var(--_accent);
    color: var(--_on-accent);
    font: 600 15px/1.2 var(--_font);
    cursor: pointer;
  }
  [part~="button"]:hover:not(:disabled) { filter: brightness(1.08); }
  [part~="button"]:disabled { background: #e4e0e8; color: #5b5661; cursor: not-allowed; }
  [part~="submit"] { width: 100%; margin-top: 16px; }
  form [part~="message"] { margin-top: 16px; }
  [part~="link-button"] {
    min-height: 44px;
    padding: 8px 0;
    border: 0;
    background: none;
    color: var(--_accent);
    font: 600 14px/1.2 var(--_font);
    text-decoration: underline;
    cursor: pointer;
  }
  [part~="link-button"]:disabled { color: var(--_muted); cursor: not-allowed; }
  [part~="actions"] { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 8px; margin-top: 8px; }

  [part~="balance"] { display: grid; gap: 2px; }
  [part~="balance-label"] { color: var(--_muted); font-size: 13px; }
  [part~="balance-value"] { font-size: 18px; }
  [part~="balance-value"] strong { font-size: 34px; line-height: 1.1; color: var(--_accent); }
  [part~="pending"] { color: var(--_muted); font-size: 14px; }

  [part~="tier"] { margin-top: 14px; padding: 12px; border-radius: 10px; background: var(--_surface-2); }
  [part~="tier-line"] { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
  [part~="tier-label"] { color: var(--_muted); font-size: 13px; }
  [part~="tier-badge"] {
    padding: 3px 12px;
    border-radius: 999px;
    background: var(--kopilka-tier-background, var(--_accent));
    color: var(--kopilka-tier-color, var(--_on-accent));
    font-weight: 700;
    font-size: 14px;
  }
  [part~="progress"] { height: 10px; margin: 10px 0 6px; border-radius: 999px; background: #e4e0e8; overflow: hidden; }
  [part~="progress-bar"] { height: 100%; min-width: 4px; border-radius: inherit; background: var(--_accent); }
  [part~="tier-next"] { font-size: 14px; }

  [part~="expiring"] li { font-size: 14px; color: var(--_error); }

  [part~="referral"] { display: grid; gap: 6px; margin-top: 14px; }
  [part~="copy-row"] { display: flex; gap: 8px; }
  [part~="copy-row"] [part~="input"] { flex: 1; min-width: 0; font-size: 14px; }

  [part~="reward"] {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    padding: 10px 12px;
    border-radius: 10px;
    background: var(--_surface-2);
  }
  [part~="reward-text"] { display: grid; gap: 2px; }
  [part~="reward-name"] { font-weight: 600; }
  [part~="reward-cost"] { color: var(--_accent); font-weight: 700; font-size: 14px; }
  [part~="coupon"] { margin-bottom: 12px; padding: 12px; border: 2px dashed var(--_accent); border-radius: 10px; display: grid; gap: 8px; }
  [part~="coupon-title"] { font-weight: 600; }
  [part~="coupon-code"] { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 700; letter-spacing: 0.06em; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 700; }

  [part~="history-list"] { display: grid; gap: 2px; }
  [part~="history-item"] { padding: 10px 0; border-bottom: 1px solid var(--_border); }
  [part~="history-item"]:last-child { border-bottom: 0; }
  [part~="history-main"] { display: flex; justify-content: space-between; gap: 12px; font-weight: 600; }
  [part~="history-points"][part~="plus"] { color: var(--_success); white-space: nowrap; }
  [part~="history-points"][part~="minus"] { color: var(--_error); white-space: nowrap; }
  [part~="history-details"] { color: var(--_muted); font-size: 13px; }
  [part~="more"] { width: 100%; margin-top: 10px; background: var(--_surface-2); color: var(--_accent); }
  [part~="footer"] { padding-top: 8px; text-align: center; }

  @media (prefers-reduced-motion: no-preference) {
    [part~="progress-bar"] { transition: width 0.4s ease; }
  }
`;
