// The dashboard's unit tree. The page lists the top two levels; a unit's own toggle
// fetches its sub-units' rows the first time it is opened and then shows and hides them.
// Each toggle is a real button with aria-expanded, so keyboards and screen readers can
// use it; without JavaScript the unit's name still leads to a page of its sub-units.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table[data-tree]")) {
    const body = table.tBodies[0];
    const rowsNow = () => [...body.rows].filter((row) => row.dataset.unit);
    const expanded = (row) => row?.querySelector(".tree-toggle")?.getAttribute("aria-expanded") === "true";

    const refresh = () => {
      const byUnit = new Map(rowsNow().map((row) => [row.dataset.unit, row]));
      // Rows come parent first, so a row's parent is settled before the row itself.
      for (const row of byUnit.values()) {
        const parent = byUnit.get(row.dataset.parent);
        row.hidden = parent ? parent.hidden || !expanded(parent) : false;
      }
    };
    const setOpen = (button, open) => {
      button.setAttribute("aria-expanded", String(open));
      button.querySelector(".tree-glyph").textContent = open ? "▾" : "▸";
    };
    const wire = (button) => {
      const glyph = document.createElement("span");
      glyph.className = "tree-glyph";
      glyph.setAttribute("aria-hidden", "true");
      button.prepend(glyph);
      setOpen(button, button.getAttribute("aria-expanded") === "true");
      button.hidden = false;
      button.addEventListener("click", async () => {
        const row = button.closest("tr");
        if (expanded(row)) {
          setOpen(button, false);
          return refresh();
        }
        if (!button.hasAttribute("data-loaded")) {
          // Busy, not disabled: a disabled button would drop the keyboard focus.
          if (button.getAttribute("aria-busy") === "true") return;
          button.setAttribute("aria-busy", "true");
          try {
            // Named as a fragment request: a session that has ended answers 401, not the
            // login page (which would land inside the table); the unit's own page then
            // asks to sign in and comes back to it.
            const response = await fetch(button.dataset.childrenUrl, {
              credentials: "same-origin",
              headers: { "X-Requested-With": "fetch" },
            });
            if (!response.ok) throw new Error(response.statusText);
            row.insertAdjacentHTML("afterend", await response.text());
            button.setAttribute("data-loaded", "");
            body.querySelectorAll(".tree-toggle[hidden]").forEach(wire);
          } catch {
            window.location.search = new URLSearchParams({ unit: row.dataset.unit }).toString();
            return;
          } finally {
            button.removeAttribute("aria-busy");
          }
        }
        setOpen(button, true);
        refresh();
      });
    };
    body.querySelectorAll(".tree-toggle").forEach(wire);
    refresh();
  }
});
