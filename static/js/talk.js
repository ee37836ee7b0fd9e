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

  const read = (key) => {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch {
      return null;
    }
  };
  const write = (key, value) => {
    try {
      if (value && Object.keys(value.fields).length) window.localStorage.setItem(key, JSON.stringify(value));
      else window.localStorage.removeItem(key);
    } catch {
      // Storage full or refused (private mode): the text is still in the page.
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

  const setUpAutosave = (form) => {
    const key = `talk-draft:${form.dataset.autosave}`;
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
      if (!kept || !xhr) return;
      if (event.detail.successful) {
        const sent = event.detail.requestConfig?.formData;
        const values = sent ? Object.fromEntries(sent) : {};
        for (const [name, value] of Object.entries(values)) {
          if (kept.fields[name] === value) delete kept.fields[name];
        }
        kept.base = undefined;
        write(key, kept);
      }
    });
    const failed = (event) => {
      const status = event.detail.xhr?.status;
      if (status === 401) {
        say(
          form,
          `<strong>${text(form, "signedOut")}</strong> <a class="alert-link" href="${loginUrl()}">${text(form, "signIn")}</a>`,
          "warning",
        );
      } else {
        say(form, `<strong>${text(form, "notSaved")}</strong>`, "warning");
      }
    };
    form.addEventListener("htmx:responseError", failed);
    form.addEventListener("htmx:sendError", failed);

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
      say(form, `<strong>${text(form, "restoredCheck")}</strong>`, "warning");
    }
    restored.forEach((area) => area.dispatchEvent(new Event("input", { bubbles: true })));
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
    const wanted = window.location.hash && document.querySelector(`dialog${window.location.hash}-dialog`);
    if (wanted) wanted.showModal();
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-autosave]").forEach(setUpAutosave);
    const prep = document.getElementById("prep-form");
    if (prep && prep.querySelector("textarea")) setUpProgress(prep);
    setUpDialogs();
  });
})();
