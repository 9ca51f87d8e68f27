/** Ways to earn: purchases at the member's rate, the program's bonuses, and the referral link to copy. */
import { html, nothing } from "lit";
import type { WidgetHost } from "../host.ts";
import type { MemberData } from "../member-data.ts";

export function renderEarn(w: WidgetHost, data: MemberData) {
  const me = w.customer!;
  const program = w.program!.program;
  const l = w.locale;
  const m = l.m;
  const bonuses = program.bonuses ?? {};
  const tier = program.tiers?.levels.find((t) => t.id === me.tier);
  const rate = tier?.rateBps ?? program.earn.rateBps;
  const link = me.referralCode && bonuses.referral ? referralLink(w.referralUrl, me.referralCode) : null;
  const copied = data.copied === "referral-link";
  const failed = data.copied === "failed:referral-link";
  const small = [
    [m.earnReview, bonuses.review ?? 0], [m.earnRating, bonuses.rating ?? 0], [m.earnSurvey, bonuses.survey ?? 0],
    [m.earnBirthday, bonuses.birthday?.points ?? 0],
  ] as const;
  return html`
    <section part="section earn" aria-labelledby="earn-title">
      <h3 id="earn-title" part="section-title">${m.waysToEarn}</h3>
      <ul part="facts">
        <li part="fact">${program.earn.step ? m.earnStep(l, program.earn.step.every, program.earn.step.points) : m.earnPurchases(l, rate)}</li>
        ${small.filter(([, points]) => points > 0).map(([label, points]) => html`<li part="fact">${label}: +${l.points(points)}</li>`)}
        ${bonuses.referral ? html`<li part="fact">${m.earnReferral(l, bonuses.referral.referrer, bonuses.referral.referee, bonuses.referral.on)}</li>` : nothing}
      </ul>
      ${link ? html`
        <div part="referral">
          <label for="referral-link" part="label">${m.referralLink}</label>
          <div part="copy-row">
            <input id="referral-link" part="input" type="text" readonly .value=${link} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
            <button part="button copy" type="button" @click=${() => void data.copy("referral-link", link)}>${copied ? m.copied : m.copy}</button>
          </div>
          <p part="hint" role="status">${copied ? m.copied : failed ? m.copyFailed : ""}</p>
        </div>` : nothing}
    </section>
  `;
}

/** The page a friend opens, with `?ref=<code>` (any other query and the hash kept, an old `ref` replaced). */
export function referralLink(base: string | null, code: string): string {
  let url: URL;
  try {
    url = new URL(base || location.href, location.href);
  } catch {
    url = new URL(location.href);
  }
  url.hash = "";
  url.searchParams.set("ref", code);
  return url.toString();
}
