/**
 * Form pieces the pages share: a submit handler that keeps the page (no navigation) and hands
 * over the form, and a labelled choice from one of the SDK's vocabularies (purposes,
 * categories), so every page offers the same words for the same codes.
 */
import { html, type TemplateResult } from "lit-html";

/** `@submit=${onSubmit((form) => …)}`: the default (navigation) prevented, the form handed over. */
export function onSubmit(run: (form: HTMLFormElement) => unknown): (e: SubmitEvent) => void {
  return (e) => {
    e.preventDefault();
    void run(e.target as HTMLFormElement);
  };
}

/** A labelled `<select>` of vocabulary entries (sdk/vocabulary.ts), their code as the value. */
export function vocabularyField(o: { id: string; name: string; label: string | TemplateResult; entries: readonly { code: number; label: string }[]; selected?: number }): TemplateResult {
  return html`<div class="field">
    <label for=${o.id}>${o.label}</label>
    <select id=${o.id} name=${o.name}>
      ${o.entries.map((x) => html`<option value=${x.code} ?selected=${o.selected === x.code}>${x.label}</option>`)}
    </select>
  </div>`;
}
