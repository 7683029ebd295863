// Carel report: the page's interactions — grouping, filtering, the patient simulator — on top
// of the evaluators in `evaluate.js` (§5, §9) and `partial.js` (§10).
(function () {
  "use strict";

  var Carel = window.Carel;
  var prepare = Carel.prepare, evaluate = Carel.evaluate, doseText = Carel.doseText;
  var protectiveness = Carel.protectiveness;
  // ---- The page ------------------------------------------------------------------------

  var dataNode = document.getElementById("carel-bundle");
  if (!dataNode) return;
  var bundle = JSON.parse(dataNode.textContent);
  var compiled = prepare(bundle);
  window.Carel.bundle = bundle;
  window.Carel.compiled = compiled;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (ch) { e.append(ch); });
    return e;
  }
  var exerciseLabel = new Map();
  ((bundle.vocabulary || {}).exercises || []).forEach(function (e) { exerciseLabel.set(e.id, e.label || e.id); });
  var factLabel = new Map();
  compiled.known.forEach(function (f, id) { factLabel.set(id, f.label || id); });

  // Grouping of the rules.
  var groupings = { condition: document.getElementById("by-condition"), source: document.getElementById("by-source") };
  function setGrouping(which) {
    Object.keys(groupings).forEach(function (k) { if (groupings[k]) groupings[k].hidden = k !== which; });
    document.querySelectorAll("input[name=grouping]").forEach(function (r) { r.checked = r.value === which; });
    applyFilter();
  }
  document.querySelectorAll("input[name=grouping]").forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) setGrouping(r.value); });
  });

  // Following a link into a closed section opens it; rule anchors live in the condition view.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id || id.indexOf("patient=") === 0) return;
    var target = document.getElementById(id);
    if (!target) return;
    if (groupings.condition && groupings.condition.contains(target) && groupings.condition.hidden) setGrouping("condition");
    for (var n = target; n; n = n.parentElement) if (n.tagName === "DETAILS") n.open = true;
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);

  // Filtering by a word.
  var filter = document.getElementById("filter");
  var filterCount = document.getElementById("filter-count");
  function applyFilter() {
    if (!filter) return;
    var q = filter.value.trim().toLowerCase();
    var shown = { rules: new Set(), exercises: 0, conflicts: 0 };
    document.querySelectorAll("#rules .group").forEach(function (g) {
      var titleHit = q && g.querySelector("h3").textContent.toLowerCase().indexOf(q) >= 0;
      var any = false;
      g.querySelectorAll("article.rule").forEach(function (a) {
        var hit = !q || titleHit || a.textContent.toLowerCase().indexOf(q) >= 0;
        if (hit) a.removeAttribute("data-hidden-by-filter"); else a.setAttribute("data-hidden-by-filter", "");
        if (hit) { any = true; if (!g.closest(".grouped").hidden) shown.rules.add(a.getAttribute("data-rule")); }
      });
      if (any) g.removeAttribute("data-hidden-by-filter"); else g.setAttribute("data-hidden-by-filter", "");
    });
    [["details.exercise", "exercises"], ["article.conflict", "conflicts"]].forEach(function (pair) {
      document.querySelectorAll(pair[0]).forEach(function (a) {
        var hit = !q || a.textContent.toLowerCase().indexOf(q) >= 0;
        if (hit) { a.removeAttribute("data-hidden-by-filter"); shown[pair[1]] += 1; }
        else a.setAttribute("data-hidden-by-filter", "");
      });
    });
    if (filterCount) {
      filterCount.textContent = q ? shown.rules.size + " rules, " + shown.exercises + " exercises and " +
        shown.conflicts + " conflicts mention “" + filter.value.trim() + "”" : "";
    }
  }
  if (filter) filter.addEventListener("input", applyFilter);

  // Printing shows every exercise and its drawing (a rule's own drawing repeats what the
  // exercises and conflicts show, and stays out of print).
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("#exercises details").forEach(function (d) { if (!d.open) { d.open = true; opened.push(d); } });
  });
  window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); opened = []; });

  // ---- The simulator -------------------------------------------------------------------

  var form = document.getElementById("patient");
  var status = document.getElementById("sim-status");
  var table = document.getElementById("sim-advice");
  var trace = document.getElementById("sim-trace");
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("input[data-fact]")); }
  function numbers() { return Array.prototype.slice.call(document.querySelectorAll("input[data-measure]")); }

  function readPatient() {
    var facts = boxes().filter(function (b) { return b.dataset.user === "1"; }).map(function (b) { return b.dataset.fact; });
    var measures = {}, problems = [];
    numbers().forEach(function (i) {
      var t = i.value.trim();
      if (t === "") return;
      var v = Number(t);
      if (!isFinite(v)) problems.push("`" + i.dataset.measure + "`: the value must be a number");
      else measures[i.dataset.measure] = v;
    });
    return { facts: facts, measures: measures, problems: problems };
  }

  function ruleLink(id) {
    var a = el("a", { href: "#rule-" + id }, [id]);
    return a;
  }

  function update() {
    if (!form) return;
    var p = readPatient();
    var result = p.problems.length ? { error: p.problems.join("; ") } : evaluate(compiled, p);
    var implied = result.implied || {};
    boxes().forEach(function (b) {
      var f = b.dataset.fact, note = document.querySelector("[data-implied-for='" + CSS.escape(f) + "']");
      var isImplied = Object.prototype.hasOwnProperty.call(implied, f) && b.dataset.user !== "1";
      b.checked = b.dataset.user === "1" || isImplied;
      b.disabled = isImplied;
      if (note) note.textContent = isImplied ? "(implied by " + (factLabel.get(implied[f]) || implied[f]) + ")" : "";
    });
    var body = table.querySelector("tbody");
    body.textContent = "";
    trace.textContent = "";
    if (result.error) {
      status.className = "error";
      status.textContent = "Not a possible patient: " + result.error.replace(/`/g, "") + ".";
      table.hidden = true;
      return;
    }
    status.className = "";
    var order = result.advice.slice().sort(function (a, b) {
      return protectiveness(b.action) - protectiveness(a.action) || (a.exercise < b.exercise ? -1 : a.exercise > b.exercise ? 1 : 0);
    });
    status.textContent = order.length
      ? order.length + " exercise" + (order.length === 1 ? "" : "s") + " advised; " + result.fired.length + " rule" + (result.fired.length === 1 ? "" : "s") + " fired."
      : "No rule advises any exercise for this patient.";
    table.hidden = order.length === 0;
    order.forEach(function (a) {
      var decided = a.advised.filter(function (c) { return c.outcome === "decides"; });
      var by = el("td", {}, []);
      decided.forEach(function (c, i) { if (i) by.append(", "); by.append(ruleLink(c.rule)); });
      var doses = decided.map(function (c) { return doseText(c.dose); }).filter(function (t) { return t; });
      var stops = decided.map(function (c) { return c.stop_if; }).filter(function (t) { return t; });
      var doseCell = el("td", {}, [doses.join("; ")]);
      if (stops.length) doseCell.append(el("div", {}, ["Stop if: " + stops.join("; ")]));
      body.append(el("tr", { "data-exercise": a.exercise, "data-action": a.action }, [
        el("td", {}, [exerciseLabel.get(a.exercise) || a.exercise]),
        el("td", {}, [el("span", { "class": "badge " + a.action }, [a.action])]),
        by, doseCell
      ]));
    });
    var fired = el("p", {}, [el("strong", {}, ["Rules that fire: "])]);
    if (!result.fired.length) fired.append("none.");
    result.fired.forEach(function (id, i) { if (i) fired.append(", "); fired.append(ruleLink(id)); });
    trace.append(fired);
    order.forEach(function (a) {
      var list = el("ul", {}, []);
      a.advised.forEach(function (c) {
        var text = c.outcome === "overridden" ? "overridden by " + c.overridden_by.join(", ")
          : c.outcome === "outweighed" ? "outweighed: " + a.action + " is more protective" : "decides";
        var li = el("li", { "class": c.outcome === "decides" ? "" : "dropped-note" }, [c.action + " from ", ruleLink(c.rule), " — " + text]);
        list.append(li);
      });
      trace.append(el("p", {}, [el("strong", {}, [(exerciseLabel.get(a.exercise) || a.exercise) + ": " + a.action])]), list);
    });
  }

  if (form) {
    boxes().forEach(function (b) {
      b.addEventListener("change", function () { b.dataset.user = b.checked ? "1" : ""; update(); });
    });
    numbers().forEach(function (i) { i.addEventListener("input", update); });
    form.addEventListener("reset", function () {
      // The form's values are reset after this event: clear what the user ticked now, and
      // show the result once the reset is done.
      boxes().forEach(function (b) { b.dataset.user = ""; });
      setTimeout(update, 0);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  }

  // `#patient=sciatica,chronic,age=45` fills in the simulator.
  function preset() {
    var m = /^#patient=(.*)$/.exec(location.hash);
    if (!m || !form) return false;
    boxes().forEach(function (b) { b.dataset.user = ""; });
    numbers().forEach(function (i) { i.value = ""; });
    decodeURIComponent(m[1]).split(",").forEach(function (item) {
      item = item.trim();
      if (!item) return;
      var eq = item.indexOf("=");
      if (eq >= 0) {
        var input = document.getElementById("measure-" + item.slice(0, eq).trim());
        if (input) input.value = item.slice(eq + 1).trim();
      } else {
        var box = document.getElementById("fact-" + item);
        if (box) box.dataset.user = "1";
      }
    });
    return true;
  }
  window.Carel.update = update;
  var presetGiven = preset();
  update();
  if (presetGiven) document.getElementById("simulator").scrollIntoView();
  else reveal();
})();
