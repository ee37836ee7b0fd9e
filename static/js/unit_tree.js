// The cycle form's units (templates/interviews/_unit_tree.html): a search box that narrows
// the tree to the units whose name or code holds what was typed, with the units above them
// so that each keeps its place, and a note on every unit already included through a ticked
// unit above it. Escape empties the search; Enter in it does not send the form half done.
document.addEventListener("DOMContentLoaded", () => {
  for (const tree of document.querySelectorAll("[data-unit-tree]")) {
    const search = document.getElementById(tree.dataset.search);
    const status = document.getElementById(tree.dataset.status);
    const items = [...tree.querySelectorAll("li[data-unit]")];
    const byUnit = new Map(items.map((item) => [item.dataset.unit, item]));
    const above = (item) => item.dataset.path.split("/").filter((pk) => pk && pk !== item.dataset.unit);

    const filter = () => {
      const words = search.value.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
      const shown = new Set();
      let matches = 0;
      for (const item of items) {
        if (words.every((word) => item.dataset.search.includes(word))) {
          matches += 1;
          shown.add(item.dataset.unit);
          above(item).forEach((pk) => shown.add(pk));
        }
      }
      for (const item of items) item.hidden = !shown.has(item.dataset.unit);
      const count = matches === 0 ? tree.dataset.none : matches === 1 ? tree.dataset.one : tree.dataset.many;
      status.textContent = words.length ? count.replace("{count}", matches) : "";
    };

    const markIncluded = () => {
      for (const item of items) {
        const included = above(item).some((pk) => byUnit.get(pk)?.querySelector("input")?.checked);
        let note = item.querySelector(".unit-included");
        if (included && !note) {
          note = document.createElement("span");
          note.className = "unit-included small text-body-secondary ms-1";
          note.textContent = `(${tree.dataset.included})`;
          item.querySelector("label").append(note);
        } else if (!included && note) {
          note.remove();
        }
      }
    };

    search.addEventListener("input", filter);
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
      if (event.key === "Escape" && search.value) {
        event.preventDefault();
        search.value = "";
        filter();
      }
    });
    tree.addEventListener("change", markIncluded);
    search.closest("[data-unit-search]").hidden = false;
    markIncluded();
  }
});
