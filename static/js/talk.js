// The prep form and the record page: what is typed is never lost, and the page says where
// one stands.
//
// - Every form with data-autosave="<key>" keeps what is typed in the browser's local
//   storage until the server has saved it (htmx posts each pause in typing). When a save
//   fails, because the session ended (401, see people/middleware.py) or the network is
//   away, the text stays in the box and in storage, and the status line says so with a
//   link to sign in again. When the page is opened again (after signing in), the kept text
//   is put back and saved, unless the saved text changed meanwhile: then it is put back
//   and the person is asked to check it, never saved over somebody else's text unasked.
// - The prep form's count of answered sections and its section index follow the typing.
// - A <dialog> opened by a button with commandfor (where the browser lacks invokers).
(() => {
  "use strict";

  // Kept text older than this is forgotten: it was about a talk long past, and it should
  // not linger on a shared computer.
  const KEEP_MS = 7 * 24 * 3600 * 1000;
  const PREFIX = "talk-draft:";
  const read = (key) => {
    try {
      const kept = JSON.parse(window.localStorage.getItem(key) || "null");
      if (kept && Date.now() - (kept.at || 0) > KEEP_MS) {
        window.localStorage.removeItem(key);
        return null;
      }
      return kept;
    } catch {
      return null;
    }
  };
  const write = (key, value) => {
    try {
      if (value && Object.keys(value.fields).length) {
        value.at = Date.now();
        window.localStorage.setItem(key, JSON.stringify(value));
      } else window.localStorage.removeItem(key);
    } catch {
      // Storage full or refused (private mode): the text is still in the page.
    }
  };
  const forgetAll = () => {
    try {
      Object.keys(window.localStorage)
        .filter((key) => key.startsWith(PREFIX))
        .forEach((key) => window.localStorage.removeItem(key));
    } catch {
      // Nothing kept, or storage refused.
    }
  };

  const statusOf = (form) => document.getElementById(form.querySelector("[aria-describedby]")?.getAttribute("aria-describedby"));
  const versionOf = (form) => form.querySelector('input[name="version"]');
  const loginUrl = () => {
    const next = window.location.pathname + window.location.search;
    return `${document.body.dataset.loginUrl || "/accounts/login/"}?next=${encodeURIComponent(next)}`;
  };

  const say = (form, html, kind) => {
    const status = statusOf(form);
    if (!status) return;
    status.innerHTML = `<div class="alert alert-${kind} mb-0 py-2" role="alert">${html}</div>`;
  };
  const text = (form, name) => form.dataset[name] || "";

  // Why a save failed, said where the person looks: the form's status line, or (for the
  // record's actions and goals, outside it) above the part that was sent.
  const failed = (form, event, inPlace = false) => {
    const status = event.detail.xhr?.status;
    const html =
      status === 401
        ? `<strong>${text(form, "signedOut")}</strong> <a class="alert-link" href="${loginUrl()}">${text(form, "signIn")}</a>`
        : `<strong>${text(form, status === 403 ? "stale" : "notSaved")}</strong>`;
    if (!inPlace && statusOf(form)) say(form, html, "warning");
    else {
      const part = event.detail.elt?.closest("section") || document.querySelector("main");
      part.querySelector(".talk-failed")?.remove();
      part.insertAdjacentHTML("afterbegin", `<div class="alert alert-warning talk-failed" role="alert">${html}</div>`);
    }
  };

  const setUpAutosave = (form) => {
    const key = `${PREFIX}${form.dataset.autosave}`;
    const areas = () => [...form.querySelectorAll("textarea[name]")];

    // Keep each change until a save of that very text succeeds.
    form.addEventListener("input", (event) => {
      const area = event.target.closest("textarea[name]");
      if (!area) return;
      const kept = read(key) || { fields: {} };
      kept.base = kept.base ?? versionOf(form)?.value;
      kept.fields[area.name] = area.value;
      write(key, kept);
    });
    form.addEventListener("htmx:afterRequest", (event) => {
      const kept = read(key);
      const xhr = event.detail.xhr;
      // The server answered: saved, or refused with its reason (a conflict shows the saved
      // text and lets the person choose; reloading then means "take the saved one"). Only
      // a save that never got an answer (signed out, no network) keeps the text here.
      if (!kept || !xhr || !event.detail.successful) return;
      const sent = event.detail.requestConfig?.formData;
      const values = sent ? Object.fromEntries(sent) : {};
      for (const [name, value] of Object.entries(values)) {
        if (kept.fields[name] === value) delete kept.fields[name];
      }
      // What is still kept was typed on top of what this page has just saved itself.
      if (xhr.getResponseHeader("X-Talk-Saved") === "1") {
        kept.base = Object.keys(kept.fields).length ? versionOf(form)?.value : undefined;
      }
      write(key, kept);
    });
    form.addEventListener("htmx:responseError", (event) => failed(form, event));
    form.addEventListener("htmx:sendError", (event) => failed(form, event));

    // Put back what was typed and not saved, and save it if nothing changed meanwhile.
    const kept = read(key);
    if (!kept) return;
    const restored = [];
    for (const area of areas()) {
      if (area.name in kept.fields && kept.fields[area.name] !== area.value) {
        area.value = kept.fields[area.name];
        restored.push(area);
      } else {
        delete kept.fields[area.name];
      }
    }
    write(key, kept);
    if (!restored.length) return;
    const current = versionOf(form)?.value;
    if (kept.base === undefined || String(kept.base) === String(current)) {
      say(form, text(form, "restoredSaving"), "info");
      // One request with every kept text, at the version the page was loaded with.
      window.htmx.ajax("POST", restored[0].getAttribute("hx-post"), {
        source: form,
        target: `#${statusOf(form).id}`,
      });
    } else {
      // Not saved over the newer text: the person checks it, and their next change saves.
      say(form, `<strong>${text(form, "restoredCheck")}</strong>`, "warning");
    }
    form.dispatchEvent(new CustomEvent("talk:restored"));
  };

  // The prep form: "n of 7 answered" and the index's marks as one types.
  const setUpProgress = (form) => {
    const counter = document.getElementById("prep-answered");
    const update = () => {
      const areas = [...form.querySelectorAll("textarea[name]")];
      const answered = areas.filter((area) => area.value.trim()).length;
      if (counter) counter.textContent = counter.dataset.template.replace("{n}", answered);
      for (const area of areas) {
        for (const mark of document.querySelectorAll(`[data-mark-for="${area.name}"]`)) {
          mark.hidden = !area.value.trim();
        }
      }
    };
    form.addEventListener("input", update);
    form.addEventListener("talk:restored", update);
    update();
  };

  const setUpDialogs = () => {
    const invokers = "command" in HTMLButtonElement.prototype;
    for (const button of document.querySelectorAll("button[commandfor]")) {
      if (invokers) continue;
      button.addEventListener("click", () => {
        const dialog = document.getElementById(button.getAttribute("commandfor"));
        if (button.getAttribute("command") === "close") dialog?.close();
        else dialog?.showModal();
      });
    }
    // A link from a list row to "#cancel" opens the dialog it names.
    const wanted = window.location.hash && document.getElementById(`${window.location.hash.slice(1)}-dialog`);
    if (wanted instanceof HTMLDialogElement) wanted.showModal();
  };

  document.addEventListener("DOMContentLoaded", () => {
    const autosaved = [...document.querySelectorAll("form[data-autosave]")];
    autosaved.forEach(setUpAutosave);
    // The record's actions and goals post from their own forms: a failure there is said too.
    for (const eventName of ["htmx:responseError", "htmx:sendError"]) {
      document.body.addEventListener(eventName, (event) => {
        if (!autosaved.length || autosaved.some((form) => form.contains(event.detail.elt))) return;
        failed(autosaved[0], event, true);
      });
    }
    // Signing out on purpose (a shared computer): nothing typed stays behind in this browser.
    document.querySelector('form[action$="/logout/"]')?.addEventListener("submit", forgetAll);
    const prep = document.getElementById("prep-form");
    if (prep && prep.querySelector("textarea")) setUpProgress(prep);
    setUpDialogs();
  });
})();
