// Product editor: "add a variant" and "add a tier" buttons. Without JS the form shows empty rows.
(function () {
  "use strict";
  var editor = document.getElementById("variant-editor");
  if (!editor) { return; }
  var tierRows = parseInt(editor.getAttribute("data-tier-rows") || "3", 10);
  var MAX_VARIANTS = 30, MAX_TIERS = 10;

  function renumber(node, from, to) {
    // rewrite v-<from>- to v-<to>- in ids, names and label targets of a cloned row
    var attrs = ["id", "name", "for", "aria-describedby"];
    node.querySelectorAll("*").forEach(function (el) {
      attrs.forEach(function (a) {
        var v = el.getAttribute(a);
        if (v) { el.setAttribute(a, v.split("v-" + from + "-").join("v-" + to + "-")); }
      });
    });
  }

  function clearRow(row) {
    row.querySelectorAll("input").forEach(function (input) {
      if (input.name && /-(moq|step)$/.test(input.name)) { input.value = "1"; }
      else if (input.type !== "hidden" || /-id$/.test(input.name || "")) { input.value = ""; }
      input.disabled = false;
    });
    row.querySelectorAll("select").forEach(function (select) {
      // a new variant is offered active units only (a deactivated one stays on the row that has it)
      select.querySelectorAll("option[data-inactive]").forEach(function (o) { o.remove(); });
      select.selectedIndex = 0;
    });
    row.querySelectorAll(".error, .hint a").forEach(function (el) { el.remove(); });
    row.classList.remove("has-error");
  }

  function addTierButton(row) {
    var table = row.querySelector(".tier-editor tbody");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary small add-tier";
    button.textContent = editor.getAttribute("data-add-tier") || "+";
    button.addEventListener("click", function () {
      var rows = table.querySelectorAll(".tier-row");
      if (rows.length >= MAX_TIERS) { return; }
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      var from = rows.length - 1, to = rows.length;
      copy.querySelectorAll("*").forEach(function (el) {
        ["id", "name", "for"].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v) { el.setAttribute(a, v.replace("-t" + from + "-", "-t" + to + "-")); }
        });
      });
      copy.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      table.appendChild(copy);
    });
    row.appendChild(button);
  }

  var rows = editor.querySelectorAll(".variant-row");
  rows.forEach(addTierButton);

  var add = document.createElement("button");
  add.type = "button";
  add.className = "button secondary add-variant";
  add.textContent = editor.getAttribute("data-add-variant") || "+";
  add.addEventListener("click", function () {
    var all = editor.querySelectorAll(".variant-row");
    if (all.length >= MAX_VARIANTS) { return; }
    var last = all[all.length - 1];
    var from = parseInt(last.getAttribute("data-index"), 10);
    var to = from + 1;
    var copy = last.cloneNode(true);
    copy.querySelectorAll(".add-tier").forEach(function (b) { b.remove(); });
    renumber(copy, from, to);
    copy.setAttribute("data-index", String(to));
    clearRow(copy);
    var stock = copy.querySelector("#v-" + to + "-stock");
    if (stock) { stock.name = "v-" + to + "-stock"; stock.removeAttribute("aria-describedby"); }
    var title = copy.querySelector(".variant-row-title");
    if (title) { title.textContent = title.textContent.replace(/\d+/, String(to + 1)); }
    last.parentNode.insertBefore(copy, add);
    addTierButton(copy);
    void tierRows;
  });
  editor.appendChild(add);
}());
