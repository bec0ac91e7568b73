// Cascading region picker (province > city > county > township > village): choosing a region
// replaces the selects below it with one listing its children, read from /regions/children.json.
// Without this script the form's "选择下一级" button draws the next select on the server.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.region-picker").forEach(function (box) {
    var url = box.getAttribute("data-children-url");
    var choose = box.getAttribute("data-choose") || "";
    var next = box.querySelector(".region-next");
    if (next) { next.hidden = true; }

    function levels() { return Array.prototype.slice.call(box.querySelectorAll(".region-level")); }

    function addSelect(after, regions, labelText) {
      var n = levels().length + 1;
      var wrap = document.createElement("div");
      wrap.className = "field region-level";
      var label = document.createElement("label");
      var id = box.querySelector("select").id.replace(/-\d+$/, "") + "-" + n;
      label.setAttribute("for", id);
      label.textContent = labelText;
      var select = document.createElement("select");
      select.id = id;
      select.name = box.getAttribute("data-name");
      var blank = document.createElement("option");
      blank.value = "";
      blank.textContent = choose;
      select.appendChild(blank);
      regions.forEach(function (r) {
        var o = document.createElement("option");
        o.value = String(r.id);
        o.textContent = r.name;
        select.appendChild(o);
      });
      wrap.appendChild(label);
      wrap.appendChild(select);
      after.parentNode.insertBefore(wrap, after.nextSibling);
    }

    box.addEventListener("change", function (event) {
      var select = event.target;
      if (select.tagName !== "SELECT") { return; }
      var wrap = select.closest(".region-level");
      var all = levels();
      all.slice(all.indexOf(wrap) + 1).forEach(function (w) { w.remove(); });
      var value = select.value;
      var chosen = select.options[select.selectedIndex];
      if (!value || (chosen && chosen.hasAttribute("data-country"))) { return; }
      fetch(url + "?parent=" + encodeURIComponent(value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { regions: [] }; })
        .then(function (data) {
          if (!data.regions || !data.regions.length || select.value !== value) { return; }
          var labels = JSON.parse(box.getAttribute("data-level-labels") || "{}");
          addSelect(wrap, data.regions, labels[data.regions[0].level] || "");
        });
    });
  });
})();
