/** The message at the top of a view: a polite status (welcome points granted) or an error alert. */
import { html, nothing } from "lit";
import type { Notice } from "../host.ts";

export function renderNotice(notice: Notice | null) {
  if (!notice) return nothing;
  return notice.kind === "alert"
    ? html`<p part="message error" role="alert">${notice.text}${notice.hint ? html`<br><small part="hint">${notice.hint}</small>` : nothing}</p>`
    : html`<p part="message success" role="status">${notice.text}</p>`;
}
