// Carel report: a second, independent evaluator of the embedded bundle (LANGUAGE.md §5 and §9,
// bundle formats 1 and 2), written from the contract. `partial.js` adds evaluation with
// unknown facts (§10) and `report.js` the page's interactions. Everything runs offline.
(function () {
  "use strict";

  var ORDER = { avoid: 4, refer: 3, caution: 2, recommend: 1, consider: 0 };
  function protectiveness(a) { return Object.prototype.hasOwnProperty.call(ORDER, a) ? ORDER[a] : -1; }

  // ---- The evaluator -------------------------------------------------------------------

  // Prepare a bundle: rule index, the override relation (named `overrides` plus the edges a
  // `prevails` rule stands for), and the fact relations of §9.1.
  function prepare(bundle) {
    var rules = bundle.rules || [];
    var index = new Map();
    rules.forEach(function (r, i) { index.set(r.id, i); });
    var over = rules.map(function () { return new Set(); });
    rules.forEach(function (r, i) {
      (r.overrides || []).forEach(function (o) { if (index.has(o)) over[i].add(index.get(o)); });
    });
    rules.forEach(function (r, i) {
      if (r.prevails !== true) return;
      var mine = new Set(r.exercises || []);
      rules.forEach(function (s, j) {
        if (j !== i && protectiveness(s.action) < protectiveness(r.action) &&
            (s.exercises || []).some(function (e) { return mine.has(e); })) over[i].add(j);
      });
    });
    var voc = bundle.vocabulary || {};
    var facts = (voc.conditions || []).concat(voc.factors || []);
    var known = new Map(), implies = new Map(), excludes = new Map();
    facts.forEach(function (f) { known.set(f.id, f); implies.set(f.id, []); excludes.set(f.id, new Set()); });
    facts.forEach(function (f) {
      (f.implies || []).forEach(function (g) { implies.get(f.id).push(g); });
      (f.excludes || []).forEach(function (g) {
        excludes.get(f.id).add(g);
        if (excludes.has(g)) excludes.get(g).add(f.id);
      });
    });
    var measures = new Map();
    (voc.measures || []).forEach(function (m) { measures.set(m.id, m); });
    return { bundle: bundle, rules: rules, over: over, known: known, implies: implies,
             excludes: excludes, exclusive: voc.exclusive || [], measures: measures };
  }

  // Every rule reachable through the override relation from the rules in `starts` (not the
  // starts themselves, unless reached again).
  function below(c, starts) {
    var seen = new Set(), todo = [];
    starts.forEach(function (s) { c.over[s].forEach(function (r) { todo.push(r); }); });
    while (todo.length) {
      var r = todo.pop();
      if (!seen.has(r)) { seen.add(r); c.over[r].forEach(function (x) { todo.push(x); }); }
    }
    return seen;
  }

  function holds(w, p, depth) {
    if ((depth || 0) > 200) throw new Error("condition nested too deeply");
    var d = (depth || 0) + 1;
    if (w.always === true) return true;
    if (typeof w.fact === "string") return p.facts.has(w.fact);
    if (typeof w.measure === "string") {
      if (!Object.prototype.hasOwnProperty.call(p.measures, w.measure)) return false;
      var v = p.measures[w.measure];
      if (w["in"]) return w["in"].min <= v && v <= w["in"].max;
      switch (w.op) {
        case "<": return v < w.value;
        case "<=": return v <= w.value;
        case ">": return v > w.value;
        case ">=": return v >= w.value;
        case "=": return v === w.value;
        case "!=": return v !== w.value;
      }
      throw new Error("unknown comparison " + w.op);
    }
    if (w.not) return !holds(w.not, p, d);
    if (w.all) return w.all.every(function (x) { return holds(x, p, d); });
    if (w.any) return w.any.some(function (x) { return holds(x, p, d); });
    throw new Error("unknown condition " + JSON.stringify(w));
  }

  // Close the given facts under `implies` (§9.1). Returns the facts and, for each implied
  // fact, the given fact that implies it (the first by name, as `carel eval` reports it).
  function close(c, given) {
    var sorted = given.slice().sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    var facts = new Set(sorted), impliedBy = {};
    sorted.forEach(function (g) {
      var todo = [g];
      while (todo.length) {
        var f = todo.pop();
        (c.implies.get(f) || []).forEach(function (next) {
          if (!facts.has(next)) { facts.add(next); impliedBy[next] = g; todo.push(next); }
        });
      }
    });
    return { facts: facts, impliedBy: impliedBy };
  }

  function why(c, f, impliedBy) {
    return impliedBy[f] ? "`" + f + "` (implied by `" + impliedBy[f] + "`)" : "`" + f + "`";
  }

  // Why these facts are not a possible patient, or null.
  function clash(c, facts, impliedBy) {
    var list = Array.from(facts);
    for (var i = 0; i < list.length; i++) {
      var f = list[i];
      if (!c.known.has(f)) return "unknown fact `" + f + "`";
      var ex = c.excludes.get(f);
      for (var j = 0; j < list.length; j++) {
        if (ex.has(list[j])) return why(c, f, impliedBy) + " and " + why(c, list[j], impliedBy) + " exclude each other";
      }
    }
    for (var k = 0; k < c.exclusive.length; k++) {
      var x = c.exclusive[k];
      var held = x.members.filter(function (m) { return facts.has(m); });
      if (held.length > 1) {
        return held.map(function (m) { return why(c, m, impliedBy); }).join(" and ") +
          " cannot hold together: they are exclusive (`" + x.id + "`" + (x.label ? ", \"" + x.label + "\"" : "") + ")";
      }
    }
    return null;
  }

  // Final advice for one patient: {facts: [...], measures: {...}} by name. Returns
  // {error} for a set of facts that is not a patient, otherwise
  // {facts, implied, fired, advice: [{exercise, action, rules, advised}]}.
  function evaluate(c, patient) {
    var closed = close(c, patient.facts || []);
    var measures = patient.measures || {};
    var problem = clash(c, closed.facts, closed.impliedBy);
    if (problem) return { error: problem };
    for (var m in measures) {
      if (!Object.prototype.hasOwnProperty.call(measures, m)) continue;
      var decl = c.measures.get(m), v = measures[m];
      if (!decl) return { error: "unknown measure `" + m + "`" };
      if (typeof v !== "number" || !isFinite(v)) return { error: "`" + m + "` must be a number" };
      if ((decl.min !== null && v < decl.min) || (decl.max !== null && v > decl.max)) {
        return { error: "`" + m + "` = " + v + " is outside its range " + rangeText(decl) };
      }
    }
    var p = { facts: closed.facts, measures: measures };
    var rules = c.rules, fired = [];
    rules.forEach(function (r, i) { if (holds(r.when, p)) fired.push(i); });
    var byExercise = new Map();
    fired.forEach(function (i) {
      (rules[i].exercises || []).forEach(function (e) {
        if (!byExercise.has(e)) byExercise.set(e, []);
        byExercise.get(e).push(i);
      });
    });
    var names = Array.from(byExercise.keys()).sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    var reach = new Map();
    var advice = names.map(function (exercise) {
      var advising = byExercise.get(exercise);
      var dropped = below(c, advising);
      var remaining = advising.filter(function (r) { return !dropped.has(r); });
      var pool = remaining.length ? remaining : advising;
      var action = pool.reduce(function (best, r) {
        return best === null || protectiveness(rules[r].action) > protectiveness(best) ? rules[r].action : best;
      }, null);
      var advised = advising.map(function (r) {
        var by = [];
        if (dropped.has(r)) {
          by = remaining.filter(function (s) {
            if (!reach.has(s)) reach.set(s, below(c, [s]));
            return reach.get(s).has(r);
          });
        }
        return {
          rule: rules[r].id, action: rules[r].action, dose: rules[r].dose || null,
          stop_if: rules[r].stop_if || null,
          outcome: by.length ? "overridden" : rules[r].action === action ? "decides" : "outweighed",
          overridden_by: by.map(function (s) { return rules[s].id; })
        };
      });
      return {
        exercise: exercise, action: action,
        rules: advised.filter(function (a) { return a.outcome === "decides"; }).map(function (a) { return a.rule; }),
        advised: advised
      };
    });
    var implied = {};
    Object.keys(closed.impliedBy).sort().forEach(function (f) { implied[f] = closed.impliedBy[f]; });
    return {
      facts: Array.from(closed.facts).sort(), implied: implied,
      fired: fired.map(function (i) { return rules[i].id; }), advice: advice
    };
  }

  function num(x) { return String(x); }
  function rangeText(m) {
    if (m.min !== null && m.max !== null) return num(m.min) + ".." + num(m.max);
    if (m.min !== null) return "at least " + num(m.min);
    if (m.max !== null) return "at most " + num(m.max);
    return "any number";
  }

  // ---- Words ---------------------------------------------------------------------------

  function range(r) { return r.min === r.max ? num(r.min) : num(r.min) + " to " + num(r.max); }
  function unitWords(u) { return u === "min" ? "minutes" : u === "h" ? "hours" : u; }
  function amountText(a) {
    var bound = a.bound === "at_least" ? "at least " : a.bound === "up_to" ? "up to " : "";
    return bound + range(a) + " " + unitWords(a.unit);
  }
  function frequencyText(f) {
    if (f.every_hours) return "every " + range(f.every_hours) + " hours";
    if (f.times) {
      if (f.times.min === 1 && f.times.max === 1) return f.per === "day" ? "daily" : "weekly";
      return range(f.times) + " times a " + f.per;
    }
    return "a " + f.per + " in total";
  }
  function doseText(d) {
    if (!d) return "";
    var parts = [];
    if (d.amount) parts.push(amountText(d.amount));
    if (d.frequency) parts.push(frequencyText(d.frequency));
    var out = parts.join(" ");
    if (d.bouts) out += ", in bouts of " + (d.bouts.at_least ? "at least " : "") + range(d.bouts) + " " + unitWords(d.bouts.unit);
    if (d.progression) {
      var t = [];
      if (d.progression.amount) t.push(amountText(d.progression.amount));
      if (d.progression.frequency) t.push(frequencyText(d.progression.frequency));
      out += ", building up to " + t.join(" ");
    }
    return out;
  }


  window.Carel = { prepare: prepare, evaluate: evaluate, holds: holds, doseText: doseText,
                  rangeText: rangeText, protectiveness: protectiveness, below: below, close: close,
                  clash: clash };
})();
