/** Code entry while a contact is verified: the code, a resend (with its cool-down) and "later". */
import { html, nothing } from "lit";
import { ifDefined } from "lit/directives/if-defined.js";
import type { WidgetHost } from "../host.ts";
import type { JoinFlow } from "../join-flow.ts";
import { renderNotice } from "./notice.ts";

export function renderVerify(w: WidgetHost, flow: JoinFlow) {
  const m = w.locale.m;
  const verification = flow.verification;
  const channel = verification?.channel ?? w.customer?.verification?.channel ?? "phone";
  const wait = Math.max(0, Math.ceil((flow.resendAt - flow.now) / 1000));
  const busy = w.busy === "verify";
  const submit = (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).querySelector<HTMLInputElement>("#code");
    void flow.submitCode(input?.value ?? "");
  };
  return html`
    ${renderNotice(w.notice)}
    <form part="form verify" novalidate aria-labelledby="verify-title" @submit=${submit}>
      <h3 id="verify-title" part="section-title">${m.verifyTitle}</h3>
      ${verification ? html`<p id="verify-sent" part="hint" role="status">${m.verifySent(verification.to)}</p>` : nothing}
      <div part="field" class=${flow.codeError ? "invalid" : ""}>
        <label for="code" part="label">${m.verifyCode}</label>
        <input id="code" part="input code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
          pattern="[0-9]{6}" required aria-required="true" aria-invalid=${flow.codeError ? "true" : "false"}
          aria-describedby=${ifDefined([verification ? "verify-sent" : "", flow.codeError ? "code-error" : ""].filter(Boolean).join(" ") || undefined)} />
        ${flow.codeError ? html`<p id="code-error" part="field-error">${flow.codeError}</p>` : nothing}
      </div>
      <button part="submit button" type="submit" ?disabled=${busy} aria-busy=${busy ? "true" : "false"}>${m.verifySubmit}</button>
      <div part="actions">
        <button part="link-button resend" type="button" ?disabled=${wait > 0 || w.busy !== null}
          aria-describedby=${ifDefined(wait > 0 ? "resend-wait" : undefined)}
          @click=${() => void flow.sendCode(channel)}>${m.verifyResend}</button>
        <button part="link-button later" type="button" @click=${() => flow.verifyLater()}>${m.verifyLater}</button>
      </div>
      ${wait > 0 ? html`<p id="resend-wait" part="hint">${m.verifyResendIn(wait)}</p>` : nothing}
    </form>
  `;
}
