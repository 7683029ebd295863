// Carel report: evaluation with unknown facts (LANGUAGE.md §10), a second implementation
// written from the contract and the vectors `tests/conformance/*.partial.json`.
//
// What is known: facts that hold (with every fact they imply), facts that do not, measure
// values. Unknown facts are true or false, unknown measures take any value in their range; a
// completion respects `exclusive`, `implies` and `excludes`. For each exercise:
//
// - Its advising rules' conditions are simplified with what is known; the unknowns they still
//   mention are the variables. Each unknown measure is cut into regions (points and the open
//   stretches between) at the thresholds its rules compare it with: within a region every
//   comparison has one truth value.
// - A depth-first search assigns the variables (facts false then true, measures region by
//   region) and stops as soon as every rule's condition is decided (three-valued logic): the
//   unassigned variables cannot change the advice. Each such leaf is a family of completions
//   with one final advice. A fact set true brings what it implies; a branch that breaks a
//   relation between facts is cut.
// - The smallest completion of a leaf is its true facts and what they imply, nothing else.
//   The witness of an advice is the leaf completion with fewest true facts; ties go to the one
//   whose latest-declared differing fact is false, then to the lowest measure regions. Each
//   unknown measure the simplified condition for that advice mentions then gets a round value
//   in the widest stretch that keeps the advice.
// - An unknown matters when fixing it to one of the values it can take leaves a non-empty,
//   smaller set of possible advice; leaves tell which values of every unknown they allow.
//
// The search is bounded by a work budget; an exercise beyond it is "too complex to decide
// here", never guessed.
(function () {
  "use strict";

  var Carel = window.Carel;
  var ORDER = ["avoid", "refer", "caution", "recommend", "consider"];
  var NONE = ORDER.length; // "no advice"
  var T = { k: "t" }, F = { k: "f" };
  /** Work allowed per exercise and per evaluation (nodes of conditions evaluated). */
  var BUDGET = { exercise: 30000000, total: 150000000 };
  var FLOOR = 2000;

  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function byName(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  // ---- Tables of the vocabulary ----------------------------------------------------------

  // Facts by index (conditions, then factors, in bundle order), what each implies (itself
  // included, transitively) and the facts it cannot hold with (exclusive groups, excludes).
  function tables(c) {
    if (c.partialTables) return c.partialTables;
    var voc = c.bundle.vocabulary || {};
    var facts = (voc.conditions || []).concat(voc.factors || []).map(function (f) { return f.id; });
    var index = new Map();
    facts.forEach(function (f, i) { index.set(f, i); });
    var closure = facts.map(function (f, i) {
      var seen = new Set([i]), todo = [f];
      while (todo.length) {
        (c.implies.get(todo.pop()) || []).forEach(function (g) {
          if (index.has(g) && !seen.has(index.get(g))) { seen.add(index.get(g)); todo.push(g); }
        });
      }
      return Array.from(seen).sort(function (a, b) { return a - b; });
    });
    var conflicts = facts.map(function () { return new Set(); });
    facts.forEach(function (f, i) {
      c.excludes.get(f).forEach(function (g) {
        if (index.has(g) && index.get(g) !== i) { conflicts[i].add(index.get(g)); conflicts[index.get(g)].add(i); }
      });
    });
    c.exclusive.forEach(function (x) {
      var ids = x.members.filter(function (m) { return index.has(m); }).map(function (m) { return index.get(m); });
      ids.forEach(function (a) { ids.forEach(function (b) { if (a !== b) conflicts[a].add(b); }); });
    });
    conflicts = conflicts.map(function (s) { return Array.from(s); });
    // Whether a fact can hold at all: what it implies breaks no relation.
    var possible = closure.map(function (cl) {
      var inside = new Set(cl);
      return cl.every(function (j) { return conflicts[j].every(function (k) { return !inside.has(k); }); });
    });
    var measures = (voc.measures || []).map(function (m) { return m; });
    var mIndex = new Map();
    measures.forEach(function (m, i) { mIndex.set(m.id, i); });
    var advising = new Map();
    ((voc.exercises || [])).forEach(function (e) { advising.set(e.id, []); });
    c.rules.forEach(function (r, i) {
      (r.exercises || []).forEach(function (e) { if (advising.has(e)) advising.get(e).push(i); });
    });
    var reach = c.rules.map(function (r, i) { return Carel.below(c, [i]); });
    c.partialTables = { facts: facts, index: index, closure: closure, conflicts: conflicts,
                        possible: possible, measures: measures, mIndex: mIndex,
                        exercises: Array.from(advising.keys()).sort(byName), advising: advising,
                        reach: reach };
    return c.partialTables;
  }

  // ---- Conditions with what is known put in ----------------------------------------------

  function not(e) { return e.k === "t" ? F : e.k === "f" ? T : e.k === "not" ? e.a : { k: "not", a: e }; }
  function all(xs) {
    var kept = [];
    for (var i = 0; i < xs.length; i++) {
      if (xs[i].k === "f") return F;
      if (xs[i].k !== "t") kept.push(xs[i]);
    }
    return kept.length === 0 ? T : kept.length === 1 ? kept[0] : { k: "all", xs: kept };
  }
  function any(xs) {
    var kept = [];
    for (var i = 0; i < xs.length; i++) {
      if (xs[i].k === "t") return T;
      if (xs[i].k !== "f") kept.push(xs[i]);
    }
    return kept.length === 0 ? F : kept.length === 1 ? kept[0] : { k: "any", xs: kept };
  }

  function compare(op, v, x) {
    switch (op) {
      case "<": return v < x;
      case "<=": return v <= x;
      case ">": return v > x;
      case ">=": return v >= x;
      case "=": return v === x;
      case "!=": return v !== x;
    }
    throw new Error("unknown comparison " + op);
  }

  // A bundle condition over what is still unknown: known facts and measures become constants.
  // `state.facts[i]`: true, false or null (unknown); `state.measures[i]`: a number, null
  // (unknown) or undefined (unmeasured).
  function residual(t, state, w, depth) {
    if (depth > 200) throw new Error("condition nested too deeply");
    if (w.always === true) return T;
    if (typeof w.fact === "string") {
      if (!t.index.has(w.fact)) return F;
      var i = t.index.get(w.fact), v = state.facts[i];
      return v === null ? { k: "F", i: i } : v ? T : F;
    }
    if (typeof w.measure === "string") {
      if (!t.mIndex.has(w.measure)) return F;
      var m = t.mIndex.get(w.measure), x = state.measures[m];
      var test = w["in"] ? { k: "M", m: m, lo: w["in"].min, hi: w["in"].max }
                         : { k: "M", m: m, op: w.op, value: w.value };
      if (x === undefined) return F;
      if (x === null) return test;
      return holdsAt(test, x) ? T : F;
    }
    if (w.not) return not(residual(t, state, w.not, depth + 1));
    if (w.all) return all(w.all.map(function (x) { return residual(t, state, x, depth + 1); }));
    if (w.any) return any(w.any.map(function (x) { return residual(t, state, x, depth + 1); }));
    throw new Error("unknown condition " + JSON.stringify(w));
  }

  function holdsAt(test, v) {
    return test.op === undefined ? test.lo <= v && v <= test.hi : compare(test.op, v, test.value);
  }

  // Three-valued truth (1 true, 0 false, 2 not decided yet) of a simplified condition under a
  // partial assignment: `fv[i]` 1/0/2 for facts, `mv[m]` a number or null for measures.
  function kleene(e, fv, mv, work) {
    work.n += 1;
    switch (e.k) {
      case "t": return 1;
      case "f": return 0;
      case "F": return fv[e.i];
      case "M": return mv[e.m] === null ? 2 : holdsAt(e, mv[e.m]) ? 1 : 0;
      case "not": { var a = kleene(e.a, fv, mv, work); return a === 2 ? 2 : 1 - a; }
      case "all": {
        var out = 1;
        for (var i = 0; i < e.xs.length; i++) {
          var x = kleene(e.xs[i], fv, mv, work);
          if (x === 0) return 0;
          if (x === 2) out = 2;
        }
        return out;
      }
      case "any": {
        var o = 0;
        for (var j = 0; j < e.xs.length; j++) {
          var y = kleene(e.xs[j], fv, mv, work);
          if (y === 1) return 1;
          if (y === 2) o = 2;
        }
        return o;
      }
    }
    throw new Error("bad node");
  }

  function mentions(e, facts, measures) {
    switch (e.k) {
      case "F": facts.add(e.i); break;
      case "M":
        if (!measures.has(e.m)) measures.set(e.m, []);
        if (e.op === undefined) measures.get(e.m).push(e.lo, e.hi); else measures.get(e.m).push(e.value);
        break;
      case "not": mentions(e.a, facts, measures); break;
      case "all": case "any": e.xs.forEach(function (x) { mentions(x, facts, measures); }); break;
    }
  }

  // The raw thresholds a bundle condition compares measure `id` with.
  function thresholdsOf(w, id, out) {
    if (w.measure === id) { if (w["in"]) out.push(w["in"].min, w["in"].max); else out.push(w.value); }
    if (w.not) thresholdsOf(w.not, id, out);
    (w.all || w.any || []).forEach(function (x) { thresholdsOf(x, id, out); });
  }

  // ---- Measure regions and round values --------------------------------------------------

  var buf = new DataView(new ArrayBuffer(8));
  function step(x, up) { // the next double above (or below) a finite x
    if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
    buf.setFloat64(0, x);
    var bits = buf.getBigUint64(0);
    bits = (x > 0) === up ? bits + 1n : bits - 1n;
    buf.setBigUint64(0, bits);
    return buf.getFloat64(0);
  }
  function finite(v) { return typeof v === "number" && isFinite(v); }
  function below(p) { var a = p - 1; if (finite(a) && a < p) return a; a = step(p, false); return finite(a) && a < p ? a : null; }
  function above(p) { var a = p + 1; if (finite(a) && a > p) return a; a = step(p, true); return finite(a) && a > p ? a : null; }
  function between(a, b) { var mid = a / 2 + b / 2; return a < mid && mid < b ? mid : null; }

  // Measure `m`'s range cut at `points` into regions: {lo, hi, rep} (a point when lo === hi).
  function regions(decl, points) {
    var lo = decl.min === null || decl.min === undefined ? null : decl.min;
    var hi = decl.max === null || decl.max === undefined ? null : decl.max;
    var ps = points.concat(lo === null ? [] : [lo], hi === null ? [] : [hi]).filter(finite);
    ps.sort(function (a, b) { return a - b; });
    ps = ps.filter(function (p, i) { return i === 0 || p !== ps[i - 1]; });
    var admits = function (v) { return finite(v) && (lo === null || v >= lo) && (hi === null || v <= hi); };
    var out = [];
    var push = function (r) { if (r.rep !== null && admits(r.rep)) out.push(r); };
    if (!ps.length) { push({ lo: -Infinity, hi: Infinity, rep: 0 }); return out; }
    push({ lo: -Infinity, hi: ps[0], rep: below(ps[0]) });
    ps.forEach(function (p, i) {
      push({ lo: p, hi: p, rep: p });
      var next = i + 1 < ps.length ? ps[i + 1] : null;
      push({ lo: p, hi: next === null ? Infinity : next, rep: next === null ? above(p) : between(p, next) });
    });
    return out;
  }
  function isPoint(r) { return r.lo === r.hi; }
  function contains(r, v) { return isPoint(r) ? v === r.lo : r.lo < v && v < r.hi; }
  function roundHalfAway(x) { return x < 0 ? -Math.round(-x) : Math.round(x); }

  // A round number inside the stretch lo..hi (ends included when their flags say so): the
  // middle, rounded to the coarsest step of 5 or 1 times a power of ten at most half the
  // stretch's width (and at most 1 unless wider) that has a multiple inside.
  function roundValue(lo, loClosed, hi, hiClosed) {
    var inside = function (x) { return (x > lo || (loClosed && x === lo)) && (x < hi || (hiClosed && x === hi)); };
    if (lo === hi) return loClosed && hiClosed && isFinite(lo) ? lo : null;
    var elo, ehi;
    if (isFinite(lo) && isFinite(hi)) { elo = lo; ehi = hi; }
    else if (isFinite(lo)) { elo = lo; ehi = lo + Math.max(Math.abs(lo), 10); }
    else if (isFinite(hi)) { elo = hi - Math.max(Math.abs(hi), 10); ehi = hi; }
    else { elo = -10; ehi = 10; }
    var width = ehi - elo;
    if (!(isFinite(width) && width > 0)) return null;
    var mid = elo / 2 + ehi / 2;
    var cap = Math.max(width / 2, 1);
    var top = Math.min(Math.max(Math.floor(Math.log10(cap)), 0), 300);
    for (var e = top; e >= -12; e--) {
      for (var mi = 0; mi < 2; mi++) {
        var m = mi === 0 ? 5 : 1;
        var value = function (k) { return e >= 0 ? k * m * Math.pow(10, e) : k * m / Math.pow(10, -e); };
        var st = value(1);
        if (st > cap) continue;
        var klo = Math.ceil(elo / st), khi = Math.floor(ehi / st);
        if (klo > khi) continue;
        var k0 = Math.min(Math.max(roundHalfAway(mid / st), klo), khi);
        var best = null;
        [k0 - 1, k0, k0 + 1].map(value).forEach(function (x) {
          if (!(isFinite(x) && inside(x) && elo <= x && x <= ehi)) return;
          if (best === null || Math.abs(x - mid) < Math.abs(best - mid) ||
              (Math.abs(x - mid) === Math.abs(best - mid) && x < best)) best = x;
        });
        if (best !== null) return best + 0;
      }
    }
    return null;
  }

  // The value for a measure given which regions keep the advice: the widest run of
  // consecutive admissible regions (the lowest on a tie), and a round value inside it.
  function chooseValue(rs, valid) {
    var best = null;
    for (var i = 0; i < rs.length; i++) {
      if (!valid[i]) continue;
      var s = i;
      while (i + 1 < rs.length && valid[i + 1]) i++;
      if (best === null || rs[i].hi - rs[s].lo > rs[best[1]].hi - rs[best[0]].lo) best = [s, i];
    }
    if (best === null) return null;
    var first = rs[best[0]], last = rs[best[1]];
    var v = roundValue(first.lo, isPoint(first), last.hi, isPoint(last));
    var ok = v !== null && rs.slice(best[0], best[1] + 1).some(function (r) { return contains(r, v); });
    return ok ? v : first.rep;
  }

  // ---- What is known ---------------------------------------------------------------------

  // Read what is known: {given, not, measures, unknown: [...] or ["all"]}. Returns
  // {error} or the state of every fact and measure, with the facts that follow.
  function knowledge(c, t, k) {
    var given = k.given || [], notList = k.not || [], known = k.measures || {}, unknown = k.unknown || [];
    var name = function (n) { return t.index.has(n) || t.mIndex.has(n); };
    var bad = given.concat(notList, Object.keys(known), unknown.filter(function (u) { return u !== "all"; }))
      .filter(function (n) { return !name(n); });
    if (bad.length) return { error: "`" + bad[0] + "` is not a fact or measure of this ruleset" };
    var closed = Carel.close(c, given.filter(function (g) { return t.index.has(g); }));
    var problem = Carel.clash(c, closed.facts, closed.impliedBy);
    if (problem) return { error: problem };
    var facts = t.facts.map(function (f) { return closed.facts.has(f) ? true : false; });
    for (var i = 0; i < notList.length; i++) {
      var f = notList[i];
      if (closed.impliedBy[f]) return { error: "`" + f + "` is implied by `" + closed.impliedBy[f] + "`, so it holds" };
      if (closed.facts.has(f)) return { error: "`" + f + "` is both said to hold and not to hold" };
    }
    var measures = t.measures.map(function (m) { return has(known, m.id) ? known[m.id] : undefined; });
    for (var m = 0; m < t.measures.length; m++) {
      var v = measures[m], d = t.measures[m];
      if (v === undefined) continue;
      if (typeof v !== "number" || !isFinite(v)) return { error: "`" + d.id + "` must be a number" };
      if ((d.min !== null && d.min !== undefined && v < d.min) || (d.max !== null && d.max !== undefined && v > d.max)) {
        return { error: "`" + d.id + "` = " + v + " is outside its range " + Carel.rangeText(d) };
      }
    }
    var unknownFacts = [], unknownMeasures = [];
    var all = unknown.indexOf("all") >= 0;
    t.facts.forEach(function (f, i) {
      var named = all ? !closed.facts.has(f) && notList.indexOf(f) < 0 : unknown.indexOf(f) >= 0;
      if (!named) return;
      if (closed.facts.has(f)) return; // implied by a given fact: known to hold
      if (notList.indexOf(f) >= 0) return;
      facts[i] = null;
      unknownFacts.push(f);
    });
    t.measures.forEach(function (d, i) {
      if ((all || unknown.indexOf(d.id) >= 0) && measures[i] === undefined) { measures[i] = null; unknownMeasures.push(d.id); }
    });
    // Unknown facts only one value of which leaves a patient: with what is known true (closed
    // under implies), a fact can hold when what it implies clashes with nothing known.
    var follows = [];
    t.facts.forEach(function (f, i) {
      if (facts[i] !== null) return;
      var canHold = t.possible[i] && t.closure[i].every(function (j) {
        return facts[j] !== false && t.conflicts[j].every(function (x) { return facts[x] !== true; });
      });
      if (!canHold) follows.push(i);
    });
    follows.forEach(function (i) { facts[i] = false; });
    return {
      facts: facts, measures: measures, closed: closed,
      follows: follows.map(function (i) { return { fact: t.facts[i], holds: false }; }),
      unknownFacts: unknownFacts.sort(byName), unknownMeasures: unknownMeasures.sort(byName),
      not: notList.slice().sort(byName)
    };
  }

  // ---- One exercise ----------------------------------------------------------------------

  function TooComplex() {}

  function actionIndex(a) { return ORDER.indexOf(a); }

  // Possible advice, witnesses and the unknowns that matter for the rules `rules` (indices,
  // bundle order) advising one exercise.
  function answer(c, t, s, rules, work) {
    var n = t.facts.length;
    var fires = rules.map(function (r) { return residual(t, s, c.rules[r].when, 0); });
    var above = rules.map(function (r) {
      return rules.map(function (q, j) { return j; }).filter(function (j) { return t.reach[rules[j]].has(r); });
    });
    var actions = rules.map(function (r) { return actionIndex(c.rules[r].action); });
    // The variables: unknown facts and measures the simplified conditions mention.
    var mf = new Set(), mm = new Map();
    fires.forEach(function (e) { mentions(e, mf, mm); });
    var factVars = Array.from(mf).sort(function (a, b) { return a - b; });
    var measureVars = Array.from(mm.keys()).sort(function (a, b) { return a - b; });
    var measureRegions = measureVars.map(function (m) {
      var points = [];
      rules.forEach(function (r) { thresholdsOf(c.rules[r].when, t.measures[m].id, points); });
      return regions(t.measures[m], points);
    });
    // Unknown facts whose fixing could tell leaves apart: the variables, what they imply,
    // what implies them, and what clashes with either.
    var touched = new Set();
    factVars.forEach(function (i) { t.closure[i].forEach(function (j) { touched.add(j); }); });
    var candidates = [];
    for (var u = 0; u < n; u++) {
      if (s.facts[u] !== null) continue;
      var hit = touched.has(u) || t.closure[u].some(function (j) {
        return touched.has(j) || t.conflicts[j].some(function (x) { return touched.has(x); });
      });
      if (hit) candidates.push(u);
    }

    // Search state. fv: 1/0/2 per fact (known facts fixed); need[j]: how many true facts imply
    // j (j holds in the smallest completion when > 0); banned[j]: how many of those clash with j.
    var fv = s.facts.map(function (v) { return v === null ? 2 : v ? 1 : 0; });
    var mv = s.measures.map(function (v) { return v === undefined ? undefined : v; });
    var region = measureVars.map(function () { return -1; });
    var need = new Int32Array(n), banned = new Int32Array(n);
    var trail = [];
    function bring(i) { // make fact i and what it implies hold; false when that clashes
      var cl = t.closure[i];
      for (var a = 0; a < cl.length; a++) {
        var j = cl[a];
        if (fv[j] === 0 || (need[j] === 0 && banned[j] > 0)) return false;
      }
      for (var b = 0; b < cl.length; b++) {
        var g = cl[b];
        if (need[g] === 0) {
          if (banned[g] > 0) return false;
          t.conflicts[g].forEach(function (x) { banned[x] += 1; });
        }
        need[g] += 1;
        trail.push(g);
      }
      return true;
    }
    function unbring(mark) {
      while (trail.length > mark) {
        var g = trail.pop();
        need[g] -= 1;
        if (need[g] === 0) t.conflicts[g].forEach(function (x) { banned[x] -= 1; });
      }
    }
    for (var i = 0; i < n; i++) {
      if (s.facts[i] === true && !bring(i)) throw new Error("the known facts clash");
    }

    var full = 0;
    var best = {}; // advice index → {w: boolean array, cost, regions}
    var withFact = candidates.map(function () { return [0, 0]; });
    var withRegion = measureRegions.map(function (rs) { return rs.map(function () { return 0; }); });
    var status = new Array(rules.length);

    function leafValue() {
      var remaining = [];
      for (var a = 0; a < rules.length; a++) {
        if (status[a] !== 1) continue;
        if (above[a].some(function (j) { return status[j] === 1; })) continue;
        remaining.push(a);
      }
      if (!remaining.length) {
        return status.some(function (x) { return x === 1; }) ? null : NONE;
      }
      return remaining.reduce(function (m, a) { return Math.min(m, actions[a]); }, NONE);
    }

    function lexBefore(w1, w2) { // w1 comes first: its latest differing fact is false
      for (var j = n - 1; j >= 0; j--) if (w1[j] !== w2[j]) return !w1[j];
      return false;
    }

    // Whether a completion comes before the best so far: fewer true facts, then the latest
    // declared fact that differs is false, then lower measure regions (declaration order).
    function before(cost, w, regs, b) {
      if (cost !== b.cost) return cost < b.cost;
      if (lexBefore(w, b.w)) return true;
      if (lexBefore(b.w, w)) return false;
      for (var x = 0; x < regs.length; x++) if (regs[x] !== b.regions[x]) return regs[x] < b.regions[x];
      return false;
    }

    function leaf() {
      var v = leafValue();
      if (v === null) return;
      var bit = 1 << v;
      full |= bit;
      work.n += n + candidates.length * 4;
      if (work.n > work.limit) throw new TooComplex();
      var w = [], cost = 0;
      for (var j = 0; j < n; j++) { w.push(need[j] > 0); if (need[j] > 0) cost += 1; }
      var regs = region.map(function (r) { return r < 0 ? 0 : r; });
      var b = best[v];
      if (!b || before(cost, w, regs, b)) best[v] = { w: w, cost: cost, regions: regs };
      candidates.forEach(function (u, x) {
        if (fv[u] !== 2) { withFact[x][fv[u]] |= bit; return; }
        if (need[u] === 0) withFact[x][0] |= bit;
        var cl = t.closure[u], ok = t.possible[u];
        for (var a = 0; ok && a < cl.length; a++) if (fv[cl[a]] === 0 || (need[cl[a]] === 0 && banned[cl[a]] > 0)) ok = false;
        if (ok) withFact[x][1] |= bit;
      });
      region.forEach(function (r, x) {
        if (r >= 0) withRegion[x][r] |= bit;
        else withRegion[x].forEach(function (_, y) { withRegion[x][y] |= bit; });
      });
    }

    // The variables each rule's condition mentions: the search branches only on a variable of
    // a condition not decided yet, the earliest declared first.
    var varOf = new Map();
    factVars.forEach(function (f, x) { varOf.set("f" + f, x); });
    measureVars.forEach(function (m, x) { varOf.set("m" + m, factVars.length + x); });
    var ruleVars = fires.map(function (e) {
      var fs = new Set(), ms = new Map();
      mentions(e, fs, ms);
      return Array.from(fs).map(function (f) { return varOf.get("f" + f); })
        .concat(Array.from(ms.keys()).map(function (m) { return varOf.get("m" + m); }))
        .sort(function (a, b) { return a - b; });
    });
    var assigned = new Uint8Array(factVars.length + measureVars.length);
    function search() {
      var next = -1;
      for (var a = 0; a < rules.length; a++) {
        status[a] = kleene(fires[a], fv, mv, work);
        if (status[a] !== 2) continue;
        for (var q = 0; q < ruleVars[a].length; q++) {
          var cand = ruleVars[a][q];
          if (!assigned[cand]) { if (next < 0 || cand < next) next = cand; break; }
        }
      }
      if (work.n > work.limit) throw new TooComplex();
      if (next < 0) {
        if (status.some(function (x) { return x === 2; })) throw new Error("a condition is undecided with every unknown assigned");
        leaf();
        return;
      }
      assigned[next] = 1;
      if (next < factVars.length) {
        var f = factVars[next];
        if (need[f] === 0) { fv[f] = 0; search(); }
        var mark = trail.length;
        fv[f] = 1;
        if (bring(f)) search();
        unbring(mark);
        fv[f] = 2;
      } else {
        var x = next - factVars.length, m = measureVars[x];
        measureRegions[x].forEach(function (r, y) {
          region[x] = y; mv[m] = r.rep;
          search();
        });
        region[x] = -1; mv[m] = null;
      }
      assigned[next] = 0;
    }
    measureVars.forEach(function (m) { mv[m] = null; });
    search();

    var possible = [];
    for (var v = 0; v <= NONE; v++) if (full & (1 << v)) possible.push(v);
    var depends = [];
    if (possible.length > 1) {
      var matters = function (bits) { return bits !== 0 && bits !== full; };
      candidates.forEach(function (u, x) {
        if (matters(withFact[x][0]) || matters(withFact[x][1])) depends.push({ kind: "fact", i: u });
      });
      measureVars.forEach(function (m, x) {
        if (withRegion[x].some(matters)) depends.push({ kind: "measure", i: m });
      });
    }
    return {
      possible: possible.map(function (v) {
        return { advice: v, witness: witnessOf(c, t, s, rules, fires, above, actions, v, best[v], measureVars, measureRegions) };
      }),
      depends: depends
    };
  }

  // The simplified condition under which the exercise's final advice is `v` (§5 steps 2-3).
  function formula(fires, above, actions, v) {
    var remains = fires.map(function (f, i) {
      if (f.k === "f") return F;
      return all([f].concat(above[i].map(function (j) { return not(fires[j]); })));
    });
    if (v === NONE) return all(fires.map(not));
    var some = any(remains.filter(function (_, i) { return actions[i] === v; }));
    return all([some].concat(remains.filter(function (_, i) { return actions[i] < v; }).map(not)));
  }

  // The witness: the facts of the best leaf, and a round value for each unknown measure the
  // condition for `v` mentions, chosen one measure at a time in declaration order.
  function witnessOf(c, t, s, rules, fires, above, actions, v, best, measureVars, measureRegions) {
    var cond = formula(fires, above, actions, v);
    var mf = new Set(), mm = new Map();
    mentions(cond, mf, mm);
    var fv = best.w.map(function (x) { return x ? 1 : 0; });
    var mv = s.measures.slice();
    measureVars.forEach(function (m, x) { mv[m] = measureRegions[x][best.regions[x]].rep; });
    var values = {};
    Array.from(mm.keys()).sort(function (a, b) { return a - b; }).forEach(function (m) {
      var rs = regions(t.measures[m], mm.get(m));
      var valid = rs.map(function (r) { mv[m] = r.rep; return kleene(cond, fv, mv, { n: 0 }) === 1; });
      var value = chooseValue(rs, valid);
      if (value === null) return;
      mv[m] = value;
      values[t.measures[m].id] = value;
    });
    return { facts: t.facts.filter(function (f, i) { return best.w[i]; }), measures: values };
  }

  // ---- Everything ------------------------------------------------------------------------

  // Evaluate for a partly known patient. `k`: {given, not, measures, unknown}; `options.budget`
  // overrides the work budget. Returns {error} or the object `carel eval --format json`
  // prints with `--unknown` (docs/eval.md).
  function partial(c, k, options) {
    var t = tables(c);
    var s = knowledge(c, t, k);
    if (s.error) return s;
    var budget = (options && options.budget) || BUDGET;
    var total = { n: 0 };
    var unknownNames = new Set(s.unknownFacts.concat(s.unknownMeasures));
    var knownMeasures = {};
    t.measures.map(function (d, i) { return [d.id, s.measures[i]]; }).sort(function (a, b) { return byName(a[0], b[0]); })
      .forEach(function (p) { if (typeof p[1] === "number") knownMeasures[p[0]] = p[1]; });
    var cache = new Map(), traces = new Map();
    var exercises = t.exercises.map(function (e) {
      var rules = t.advising.get(e), key = rules.join(",");
      if (!cache.has(key)) {
        // Once the total is spent, an exercise still gets a little work: enough for one whose
        // advice needs no search, as `carel eval` still answers those.
        var work = { n: 0, limit: Math.min(budget.exercise, Math.max(FLOOR, budget.total - total.n)) };
        var result;
        try { result = answer(c, t, s, rules, work); }
        catch (err) { if (err instanceof TooComplex) result = null; else throw err; }
        total.n += work.n;
        cache.set(key, result);
      }
      var a = cache.get(key);
      if (a === null) return { exercise: e, status: "too_complex", possible: [], depends_on: [] };
      return {
        exercise: e,
        status: a.possible.length === 1 ? "settled" : "depends",
        possible: a.possible.map(function (p) {
          var measures = {};
          Object.keys(knownMeasures).concat(Object.keys(p.witness.measures)).sort(byName).forEach(function (m) {
            measures[m] = has(p.witness.measures, m) ? p.witness.measures[m] : knownMeasures[m];
          });
          var witness = { facts: p.witness.facts.slice().sort(byName), measures: measures };
          var tkey = JSON.stringify(witness);
          if (!traces.has(tkey)) traces.set(tkey, Carel.evaluate(c, witness));
          var found = (traces.get(tkey).advice || []).filter(function (x) { return x.exercise === e; })[0];
          var assumed = {};
          Object.keys(p.witness.measures).sort(byName).forEach(function (m) { assumed[m] = p.witness.measures[m]; });
          return {
            advice: p.advice === NONE ? null : ORDER[p.advice],
            assumes: { facts: witness.facts.filter(function (f) { return unknownNames.has(f) && s.facts[t.index.get(f)] === null; }),
                       measures: assumed },
            witness: witness,
            decided_by: found ? found.rules : []
          };
        }),
        depends_on: a.depends.map(function (d) { return d.kind === "fact" ? t.facts[d.i] : t.measures[d.i].id; })
      };
    });
    // Ask next: the unknowns that matter, by how many exercises' advice they could change.
    var asks = new Map();
    exercises.forEach(function (e) {
      e.depends_on.forEach(function (u) {
        if (!asks.has(u)) asks.set(u, []);
        asks.get(u).push(e.exercise);
      });
    });
    var rank = function (u) { return t.index.has(u) ? t.index.get(u) : t.facts.length + t.mIndex.get(u); };
    var askNext = Array.from(asks.keys()).sort(function (a, b) {
      return asks.get(b).length - asks.get(a).length || rank(a) - rank(b);
    }).map(function (u) { return { name: u, kind: t.index.has(u) ? "fact" : "measure", exercises: asks.get(u) }; });
    var implied = {};
    Object.keys(s.closed.impliedBy).sort(byName).forEach(function (f) { implied[f] = s.closed.impliedBy[f]; });
    var ruleset = c.bundle.ruleset || {};
    return {
      format: "carel.eval", version: 1,
      ruleset: { name: ruleset.name, version: ruleset.version, digest: c.bundle.digest },
      known: { facts: Array.from(s.closed.facts).sort(byName), implied: implied, not: s.not, measures: knownMeasures },
      unknown: { facts: s.unknownFacts, measures: s.unknownMeasures },
      follows: s.follows,
      exercises: exercises,
      ask_next: askNext
    };
  }

  Carel.partial = partial;
  Carel.roundValue = roundValue;
  Carel.BUDGET = BUDGET;
})();
