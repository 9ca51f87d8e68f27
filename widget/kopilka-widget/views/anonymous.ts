/** A visitor: how the program works, then the form to join it. */
import { html, nothing } from "lit";
import { ifDefined } from "lit/directives/if-defined.js";
import type { WidgetHost } from "../host.ts";
import type { JoinFlow } from "../join-flow.ts";
import { verifiedContact, type JoinField } from "../join.ts";
import { renderNotice } from "./notice.ts";
import { renderProgram } from "./program.ts";

export function renderAnonymous(w: WidgetHost, flow: JoinFlow) {
  const program = w.program!.program;
  const l = w.locale;
  const m = l.m;
  const welcome = program.bonuses?.welcome?.points ?? 0;
  const formNotice = w.notice?.where === "form" ? w.notice : null;
  const required = verifiedContact(program);
  const busy = w.busy === "join";
  const toForm = () => {
    const name = w.shadowRoot?.querySelector<HTMLElement>("#join-name");
    name?.scrollIntoView({ block: "center" });
    name?.focus();
  };
  return html`
    ${welcome > 0 ? html`
      <div part="hero">
        <p part="hero-text">${required ? m.welcomeAfterVerify(l, welcome, required) : m.hero(l, welcome)}</p>
        <button part="button" type="button" @click=${toForm}>${m.heroJoin}</button>
      </div>` : nothing}
    ${formNotice ? nothing : renderNotice(w.notice)}
    ${renderProgram(program, l)}
    <form part="form" novalidate aria-labelledby="join-title" @submit=${(e: Event) => { e.preventDefault(); void flow.submitJoin(); }}>
      <h3 id="join-title" part="section-title">${m.join}</h3>
      <p id="join-contact-hint" part="hint">${required ? m.contactRequired(required) : m.contactHint}</p>
      ${field(w, flow, "name", m.name, { autocomplete: "name", required: true })}
      ${field(w, flow, "phone", m.phone, { type: "tel", autocomplete: "tel", inputmode: "tel", required: required === "phone", hint: "join-contact-hint" })}
      ${field(w, flow, "email", m.email, { type: "email", autocomplete: "email", inputmode: "email", required: required === "email", hint: "join-contact-hint" })}
      ${field(w, flow, "birthday", m.birthday, { type: "date", autocomplete: "bday", optional: true })}
      ${field(w, flow, "referralCode", m.code, { autocomplete: "off", optional: true })}
      <div part="field consent" class=${flow.joinErrors.consent ? "invalid" : ""}>
        <input id="join-consent" type="checkbox" .checked=${flow.join.consent} required
          aria-invalid=${flow.joinErrors.consent ? "true" : "false"}
          aria-describedby=${ifDefined(flow.joinErrors.consent ? "join-consent-error" : undefined)}
          @change=${(e: Event) => flow.setJoinValue("consent", (e.target as HTMLInputElement).checked)} />
        <label for="join-consent" part="label">${m.consent}</label>
        ${flow.joinErrors.consent ? html`<p id="join-consent-error" part="field-error">${flow.joinErrors.consent}</p>` : nothing}
      </div>
      ${renderNotice(formNotice)}
      <button part="submit button" type="submit" ?disabled=${busy} aria-busy=${busy ? "true" : "false"}>
        ${welcome > 0 && !required ? m.joinWithPoints(l, welcome) : m.join}
      </button>
    </form>
  `;
}

interface FieldOptions {
  type?: string;
  autocomplete?: string;
  inputmode?: string;
  required?: boolean;
  optional?: boolean;
  /** The id of a hint the field is described by. */
  hint?: string;
}

function field(w: WidgetHost, flow: JoinFlow, name: Exclude<JoinField, "consent">, label: string, options: FieldOptions) {
  const id = `join-${name}`;
  const error = flow.joinErrors[name];
  const describedBy = [options.hint, error ? `${id}-error` : undefined].filter(Boolean).join(" ");
  return html`
    <div part="field" class=${error ? "invalid" : ""}>
      <label for=${id} part="label">${label}${options.optional ? html` <span part="optional">(${w.locale.m.optional})</span>` : nothing}</label>
      <input id=${id} part="input" name=${name} type=${options.type ?? "text"} .value=${flow.join[name]}
        autocomplete=${ifDefined(options.autocomplete)} inputmode=${ifDefined(options.inputmode)}
        ?required=${options.required ?? false} aria-required=${options.required ? "true" : "false"}
        aria-invalid=${error ? "true" : "false"} aria-describedby=${ifDefined(describedBy || undefined)}
        @input=${(e: Event) => flow.setJoinValue(name, (e.target as HTMLInputElement).value)}
        @blur=${() => flow.checkJoinField(name)} />
      ${error ? html`<p id="${id}-error" part="field-error">${error}</p>` : nothing}
    </div>
  `;
}
