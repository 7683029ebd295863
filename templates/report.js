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
  var knownBox = document.getElementById("sim-known");
  var referral = document.getElementById("sim-referral");
  var table = document.getElementById("sim-advice");
  var depends = document.getElementById("sim-depends");
  var complex = document.getElementById("sim-complex");
  var ask = document.getElementById("sim-ask");
  var trace = document.getElementById("sim-trace");
  var measureDecl = new Map();
  ((bundle.vocabulary || {}).measures || []).forEach(function (m) { measureDecl.set(m.id, m); });

  // Each fact's answer: "yes", "no" or "unknown", and whether it was given (a fact never
  // answered counts as no, and "Mark everything not answered as not known" turns it unknown).
  var facts = Array.prototype.slice.call(document.querySelectorAll("fieldset[data-fact]"));
  var choice = {}, answered = {};
  function radio(f, value) { return document.getElementById("fact-" + f + "-" + value); }
  function numbers() { return Array.prototype.slice.call(document.querySelectorAll("input[data-measure]")); }
  function unknownBox(m) { return document.getElementById("measure-" + m + "-unknown"); }
  function clearPatient() {
    facts.forEach(function (fs) { choice[fs.dataset.fact] = "no"; answered[fs.dataset.fact] = false; });
    numbers().forEach(function (i) { i.value = ""; unknownBox(i.dataset.measure).checked = false; });
  }

  // What the form says: {given, not, unknown, measures, problems}.
  function readPatient() {
    var p = { given: [], not: [], unknown: [], measures: {}, problems: [] };
    facts.forEach(function (fs) {
      var f = fs.dataset.fact, c = choice[f];
      if (c === "yes") p.given.push(f);
      else if (c === "unknown") p.unknown.push(f);
      else if (answered[f]) p.not.push(f);
    });
    numbers().forEach(function (i) {
      var m = i.dataset.measure;
      if (unknownBox(m).checked) { p.unknown.push(m); return; }
      var t = i.value.trim();
      if (t === "") return;
      var v = Number(t);
      if (!isFinite(v)) p.problems.push("`" + m + "`: the value must be a number");
      else p.measures[m] = v;
    });
    return p;
  }

  function ruleLink(id) { return el("a", { href: "#rule-" + id }, [id]); }
  function exerciseName(id) { return exerciseLabel.get(id) || id; }
  function unknownName(id) {
    if (factLabel.has(id)) return factLabel.get(id);
    var m = measureDecl.get(id);
    return m ? m.label || id : id;
  }
  function joinWords(items, word) {
    return items.length < 2 ? items.join("") : items.slice(0, -1).join(", ") + " " + word + " " + items[items.length - 1];
  }
  // What a possible advice assumes, in words: "Sciatica and Age 90 years".
  function assumption(a) {
    var parts = a.facts.map(unknownName);
    Object.keys(a.measures).forEach(function (m) {
      var d = measureDecl.get(m) || {};
      parts.push(unknownName(m) + " " + a.measures[m] + (d.unit ? " " + d.unit : ""));
    });
    return joinWords(parts, "and");
  }
  function badge(action) {
    return action ? el("span", { "class": "badge " + action }, [action]) : el("span", { "class": "badge none" }, ["no advice"]);
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // The form shows each fact's answer; a fact implied by a "yes" shows yes, cannot be changed,
  // and says which fact implies it.
  function showAnswers(implied) {
    facts.forEach(function (fs) {
      var f = fs.dataset.fact, isImplied = Object.prototype.hasOwnProperty.call(implied, f) && choice[f] !== "yes";
      ["yes", "no", "unknown"].forEach(function (v) {
        var r = radio(f, v);
        r.checked = isImplied ? v === "yes" : choice[f] === v;
        r.disabled = isImplied;
      });
      fs.classList.toggle("is-implied", isImplied);
      var note = fs.querySelector("[data-implied-for]");
      note.textContent = isImplied ? "(implied by " + (factLabel.get(implied[f]) || implied[f]) + ")" : "";
    });
    numbers().forEach(function (i) { i.disabled = unknownBox(i.dataset.measure).checked; });
  }

  function clearOutput() {
    [table.querySelector("tbody"), depends.querySelector(".list"), ask.querySelector("ol"), trace, knownBox, referral, complex]
      .forEach(function (n) { n.textContent = ""; });
    table.hidden = true; depends.hidden = true; complex.hidden = true; ask.hidden = true;
    document.querySelectorAll("[data-ask-for]").forEach(function (s) { s.textContent = ""; });
  }

  function update() {
    if (!form) return;
    var p = readPatient();
    var implied = Carel.close(compiled, p.given.filter(function (f) { return compiled.known.has(f); })).impliedBy;
    // A fact implied by a given one is known to hold, whatever its own answer.
    p.not = p.not.filter(function (f) { return !implied[f]; });
    p.unknown = p.unknown.filter(function (f) { return !implied[f]; });
    showAnswers(implied);
    clearOutput();
    if (p.problems.length) return showError(p.problems.join("; "));
    if (p.unknown.length) return showPartial(p);
    var result = evaluate(compiled, { facts: p.given, measures: p.measures });
    if (result.error) return showError(result.error);
    status.className = "";
    var order = result.advice.slice().sort(function (a, b) {
      return protectiveness(b.action) - protectiveness(a.action) || (a.exercise < b.exercise ? -1 : a.exercise > b.exercise ? 1 : 0);
    });
    status.textContent = order.length
      ? plural(order.length, "exercise") + " advised; " + plural(result.fired.length, "rule") + " fired."
      : "No rule advises any exercise for this patient.";
    adviceRows(order.map(function (a) {
      return { exercise: a.exercise, action: a.action, decided: a.advised.filter(function (c) { return c.outcome === "decides"; }) };
    }));
    var fired = el("p", {}, [el("strong", {}, ["Rules that fire: "])]);
    if (!result.fired.length) fired.append("none.");
    result.fired.forEach(function (id, i) { if (i) fired.append(", "); fired.append(ruleLink(id)); });
    trace.append(fired);
    order.forEach(function (a) {
      var list = el("ul", {}, []);
      a.advised.forEach(function (c) {
        var text = c.outcome === "overridden" ? "overridden by " + c.overridden_by.join(", ")
          : c.outcome === "outweighed" ? "outweighed: " + a.action + " is more protective" : "decides";
        list.append(el("li", { "class": c.outcome === "decides" ? "" : "dropped-note" }, [c.action + " from ", ruleLink(c.rule), " — " + text]));
      });
      trace.append(el("p", {}, [el("strong", {}, [exerciseName(a.exercise) + ": " + a.action])]), list);
    });
  }

  function showError(text) {
    status.className = "error";
    status.textContent = "Not a possible patient: " + text.replace(/`/g, "") + ".";
  }

  // Rows of the advice table: [{exercise, action, decided: [{rule, dose, stop_if}]}].
  function adviceRows(rows) {
    var body = table.querySelector("tbody");
    rows.forEach(function (a) {
      var by = el("td", {}, []);
      a.decided.forEach(function (c, i) { if (i) by.append(", "); by.append(ruleLink(c.rule)); });
      var doses = a.decided.map(function (c) { return doseText(c.dose); }).filter(function (t) { return t; });
      var stops = a.decided.map(function (c) { return c.stop_if; }).filter(function (t) { return t; });
      var doseCell = el("td", {}, [doses.join("; ")]);
      if (stops.length) doseCell.append(el("div", {}, ["Stop if: " + stops.join("; ")]));
      body.append(el("tr", { "data-exercise": a.exercise, "data-action": a.action }, [
        el("td", {}, [exerciseName(a.exercise)]), el("td", {}, [badge(a.action)]), by, doseCell
      ]));
    });
    table.hidden = rows.length === 0;
  }

  function ruleOf(id) { return compiled.rules.filter(function (r) { return r.id === id; })[0] || {}; }

  // A patient with something not known (§10): settled advice, advice that depends on the
  // unknowns, what to ask next.
  function showPartial(p) {
    var r = Carel.partial(compiled, { given: p.given, not: p.not, measures: p.measures, unknown: p.unknown });
    window.Carel.lastPartial = r;
    if (r.error) return showError(r.error);
    status.className = "";
    var strongest = function (e) { return Math.max.apply(null, e.possible.map(function (x) { return protectiveness(x.advice); })); };
    var order = function (a, b) { return strongest(b) - strongest(a) || (a.exercise < b.exercise ? -1 : 1); };
    var settled = r.exercises.filter(function (e) { return e.status === "settled" && e.possible[0].advice; }).sort(order);
    var open = r.exercises.filter(function (e) { return e.status === "depends"; }).sort(order);
    var tooComplex = r.exercises.filter(function (e) { return e.status === "too_complex"; });
    var none = r.exercises.filter(function (e) { return e.status === "settled" && !e.possible[0].advice; }).length;
    status.textContent = plural(settled.length, "exercise") + " with settled advice" +
      (none ? " (and " + none + " with no advice whatever turns out)" : "") + "; " +
      plural(open.length, "exercise") + " whose advice depends on what is not known yet" +
      (tooComplex.length ? "; " + tooComplex.length + " too complex to decide here" : "") + ".";
    // In the order of the form.
    var notYet = facts.map(function (fs) { return fs.dataset.fact; }).filter(function (f) {
      return r.unknown.facts.indexOf(f) >= 0 && !r.follows.some(function (x) { return x.fact === f; });
    }).concat(numbers().map(function (i) { return i.dataset.measure; }).filter(function (m) {
      return r.unknown.measures.indexOf(m) >= 0;
    })).map(unknownName);
    if (notYet.length) knownBox.append(el("p", {}, [el("strong", {}, ["Not known yet: "]), notYet.join(", ") + "."]));
    r.follows.forEach(function (x) {
      knownBox.append(el("p", { "data-follows": x.fact }, [el("strong", {}, ["Follows from what is known: "]),
        unknownName(x.fact) + (x.holds ? " holds" : " does not hold") + " — " + whyFollows(x.fact, r) + "."]));
    });
    // Referrals first.
    var refer = [];
    r.exercises.forEach(function (e) {
      e.possible.forEach(function (x) {
        if (x.advice !== "refer") return;
        var when = assumption(x.assumes);
        var g = refer.filter(function (y) { return y.when === when; })[0];
        if (!g) refer.push(g = { when: when, list: [] });
        g.list.push(exerciseName(e.exercise));
      });
    });
    if (refer.length) {
      var ul = el("ul", {}, []);
      refer.forEach(function (g) { ul.append(el("li", {}, [(g.when ? "If " + g.when + ": " : "") + "before " + joinWords(g.list, "and") + "."])); });
      referral.append(el("p", {}, [el("strong", {}, ["Referral: a clinician should assess the patient first"])]), ul);
    }
    adviceRows(settled.map(function (e) {
      return { exercise: e.exercise, action: e.possible[0].advice, decided: e.possible[0].decided_by.map(function (id) {
        var rule = ruleOf(id);
        return { rule: id, dose: rule.dose || null, stop_if: rule.stop_if || null };
      }) };
    }));
    var body = depends.querySelector(".list");
    open.forEach(function (e) {
      // First the advice if nothing more turns out to hold (fewest assumptions), then the others.
      var first = e.possible.reduce(function (b, x) {
        var n = function (y) { return [y.assumes.facts.length, Object.keys(y.assumes.measures).length]; };
        return n(x)[0] < n(b)[0] || (n(x)[0] === n(b)[0] && n(x)[1] < n(b)[1]) ? x : b;
      }, e.possible[0]);
      var list = el("ul", { "class": "possible" }, []);
      [first].concat(e.possible.filter(function (x) { return x !== first; })).forEach(function (x) {
        var when = assumption(x.assumes);
        var li = el("li", { "data-advice": x.advice || "none", "data-assumes": JSON.stringify(x.assumes) }, [badge(x.advice),
          when ? " if " + when : x === first ? " if nothing more holds" : ""]);
        if (x.decided_by.length) {
          li.append(" — decided by ");
          x.decided_by.forEach(function (id, i) { if (i) li.append(", "); li.append(ruleLink(id)); });
        }
        list.append(li);
      });
      body.append(el("section", { "class": "depends-item", "data-exercise": e.exercise, "data-depends-on": e.depends_on.join(",") }, [
        el("h4", {}, [exerciseName(e.exercise)]),
        el("p", { "class": "on" }, [el("span", { "class": "k" }, ["Depends on: "]), e.depends_on.map(unknownName).join("; ")]),
        list
      ]));
    });
    depends.hidden = open.length === 0;
    if (tooComplex.length) {
      complex.hidden = false;
      complex.append(el("p", { "class": "complex" }, [el("strong", {}, ["Too complex to decide here"]),
        " (no advice is guessed; `carel eval` on a computer can answer): " + tooComplex.map(function (e) { return exerciseName(e.exercise); }).join(", ") + "."]));
      complex.setAttribute("data-exercises", tooComplex.map(function (x) { return x.exercise; }).join(","));
    }
    var ol = ask.querySelector("ol");
    r.ask_next.forEach(function (a, i) {
      ol.append(el("li", { "data-name": a.name, "data-exercises": a.exercises.join(",") }, [
        el("strong", {}, [unknownName(a.name)]), " could change the advice for " + plural(a.exercises.length, "exercise") + ": " +
        a.exercises.map(exerciseName).join(", ")]));
      var mark = document.querySelector("[data-ask-for='" + CSS.escape(a.name) + "']");
      if (mark) mark.textContent = "ask next: " + (i + 1) + (i === 0 ? "st" : i === 1 ? "nd" : i === 2 ? "rd" : "th");
    });
    ask.hidden = r.ask_next.length === 0;
    trace.append(el("p", {}, ["Some facts are not known: each possible advice above names the rules that decide it for the smallest patient who gets it."]));
  }

  // Why an unknown fact's value follows from what is known, in words.
  function whyFollows(f, r) {
    var given = new Set(r.known.facts);
    var groups = (bundle.vocabulary || {}).exclusive || [];
    for (var i = 0; i < groups.length; i++) {
      var g = groups[i].members.filter(function (m) { return m !== f && given.has(m); })[0];
      if (groups[i].members.indexOf(f) >= 0 && g) return "it cannot hold with " + unknownName(g) + " (" + (groups[i].label || groups[i].id) + ")";
    }
    var decl = compiled.known.get(f) || {};
    var ex = (decl.excludes || []).filter(function (g) { return given.has(g); })[0];
    if (!ex) compiled.known.forEach(function (d, id) { if (!ex && given.has(id) && (d.excludes || []).indexOf(f) >= 0) ex = id; });
    if (ex) return "it cannot hold with " + unknownName(ex);
    var imp = (decl.implies || []).filter(function (g) { return !given.has(g) && r.unknown.facts.indexOf(g) < 0; })[0];
    if (imp) return "it would bring " + unknownName(imp) + ", which does not hold";
    return "what is known leaves it no other value";
  }

  if (form) {
    facts.forEach(function (fs) {
      var f = fs.dataset.fact;
      ["yes", "no", "unknown"].forEach(function (v) {
        // `click` too: choosing the answer already shown (the default "no") still answers.
        var answer = function () { if (radio(f, v).disabled) return; choice[f] = v; answered[f] = true; update(); };
        radio(f, v).addEventListener("change", answer);
        radio(f, v).addEventListener("click", answer);
      });
    });
    numbers().forEach(function (i) {
      i.addEventListener("input", update);
      unknownBox(i.dataset.measure).addEventListener("change", update);
    });
    document.getElementById("patient-all-unknown").addEventListener("click", function () {
      // As `carel eval --unknown all`: every fact and measure neither given nor said not to hold.
      facts.forEach(function (fs) { var f = fs.dataset.fact; if (!answered[f] && choice[f] === "no") choice[f] = "unknown"; });
      numbers().forEach(function (i) { if (i.value.trim() === "") unknownBox(i.dataset.measure).checked = true; });
      update();
    });
    form.addEventListener("reset", function () {
      // The form's values are reset after this event: show the result once the reset is done.
      clearPatient();
      update();
      setTimeout(update, 0);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  }

  // `#patient=sciatica,!acute,?herniated_disc,age=45,?pain` fills in the simulator: a name is
  // yes, `!name` no, `?name` not known, `?all` everything not answered not known.
  function preset() {
    var m = /^#patient=(.*)$/.exec(location.hash);
    if (!m || !form) return false;
    clearPatient();
    var all = false;
    decodeURIComponent(m[1]).split(",").forEach(function (item) {
      item = item.trim();
      if (!item) return;
      var eq = item.indexOf("=");
      if (eq >= 0) {
        var input = document.getElementById("measure-" + item.slice(0, eq).trim());
        if (input) input.value = item.slice(eq + 1).trim();
        return;
      }
      var mark = item[0] === "?" ? "unknown" : item[0] === "!" ? "no" : "yes";
      var name = mark === "yes" ? item : item.slice(1);
      if (mark === "unknown" && name === "all") { all = true; return; }
      if (Object.prototype.hasOwnProperty.call(choice, name)) { choice[name] = mark; answered[name] = true; }
      else if (mark === "unknown" && unknownBox(name)) unknownBox(name).checked = true;
    });
    if (all) document.getElementById("patient-all-unknown").click();
    return true;
  }
  window.Carel.update = update;
  if (form) clearPatient();
  var presetGiven = preset();
  update();
  if (presetGiven) document.getElementById("simulator").scrollIntoView();
  else reveal();
})();
