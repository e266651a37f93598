// SMART hints under each handelingsdeel goal while the user types (opp/smart.py, templates/opp/_smart_hints.html).
//
// The rules live in opp/smart.py; the page carries its word lists, thresholds and messages as JSON
// (#smart-hints-config, {% smart_hints_config %}) and this script only applies them, the same way: the text in
// lower case, everything but letters, digits and "%" a space, markers matched as whole words (a few as parts of
// words). Hints are advice: nothing here stops typing or saving. The list sits in an aria-live="polite" region
// that is only rewritten when the hints change, a moment after the user stops typing.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  var source = document.getElementById("smart-hints-config");
  if (!form || !source || !form.closest) {
    return;
  }
  var cfg;
  try {
    cfg = JSON.parse(source.textContent);
  } catch (e) {
    return;
  }
  var DELAY = 700;

  function normalise(text) {
    var words = (text || "").toLowerCase().replace(/[^0-9a-z\u00e0-\u00ff%]+/g, " ").split(" ").filter(Boolean);
    return words.length ? " " + words.join(" ") + " " : " ";
  }

  function hasWords(normalised, phrase) {
    return normalised.indexOf(" " + phrase + " ") !== -1;
  }

  function first(normalised, phrases) {
    for (var i = 0; i < phrases.length; i += 1) {
      if (hasWords(normalised, phrases[i])) {
        return phrases[i];
      }
    }
    return "";
  }

  function hasCriterion(n) {
    return /[0-9]/.test(n) || first(n, cfg.criterion) !== "";
  }

  function hasTerm(n) {
    return first(n, cfg.term) !== "" || cfg.term_parts.some(function (part) {
      return n.indexOf(part) !== -1;
    }) || n.split(" ").some(function (word) {
      return /^(19|20)[0-9][0-9]$/.test(word);
    });
  }

  function namesPupil(n) {
    var name = normalise(cfg.pupil_name).trim();
    return first(n, cfg.pupil) !== "" || (name !== "" && hasWords(n, name));
  }

  function sentences(text) {
    return (text || "").split(/[.!?;]+/).filter(function (piece) {
      return /[0-9A-Za-z\u00c0-\u00ff]/.test(piece);
    }).length;
  }

  function squeeze(text) {
    return (text || "").split(/\s+/).filter(Boolean).join(" ");
  }

  function value(row, suffix) {
    var el = row.querySelector('[name$="-' + suffix + '"]');
    return el ? el.value || "" : "";
  }

  // opp.smart.hints, for one row of the editor.
  function hintsOf(row) {
    var goal = value(row, "goal");
    if (!goal.trim()) {
      return [];
    }
    var n = normalise(goal);
    var instrument = value(row, "measure_instrument");
    var hasTarget = instrument !== "" && value(row, "measure_target").trim() !== "";
    var bank = value(row, "goal_bank_original");
    var found = {};
    if (bank.trim() && squeeze(goal) === squeeze(bank)) {
      found.bank_unchanged = cfg.messages.bank_unchanged;
    }
    if (!namesPupil(n)) {
      found.no_pupil = cfg.messages.no_pupil;
    }
    var verb = first(n, cfg.vague);
    if (verb && !hasCriterion(n) && !hasTarget) {
      found.vague = cfg.messages.vague.replace("%(verb)s", verb);
    }
    if (!instrument && !hasCriterion(n)) {
      found.no_measure = cfg.messages.no_measure;
    }
    if (!value(row, "measure_target_on") && !hasTerm(n)) {
      found.no_term = cfg.messages.no_term;
    }
    if (n.trim().split(" ").length > cfg.max_words || sentences(goal) > cfg.max_sentences) {
      found.too_long = cfg.messages.too_long;
    }
    return cfg.order.filter(function (code) {
      return Object.prototype.hasOwnProperty.call(found, code);
    }).map(function (code) {
      return { code: code, text: found[code] };
    });
  }

  function shown(box) {
    return Array.prototype.map.call(box.querySelectorAll("li"), function (li) {
      return li.getAttribute("data-hint") + ":" + li.textContent;
    }).join("\n");
  }

  function render(row) {
    var box = row.querySelector("[data-smart-hints]");
    if (!box) {
      return;
    }
    var hints = hintsOf(row);
    var wanted = hints.map(function (h) {
      return h.code + ":" + h.text;
    }).join("\n");
    if (wanted === shown(box)) {
      return;  // unchanged: nothing new to announce
    }
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
    if (!hints.length) {
      return;
    }
    var intro = document.createElement("p");
    intro.className = "mb-1 text-body-secondary";
    intro.textContent = cfg.intro;
    var list = document.createElement("ul");
    list.className = "mb-0 ps-3";
    hints.forEach(function (hint) {
      var li = document.createElement("li");
      li.setAttribute("data-hint", hint.code);
      li.textContent = hint.text;
      list.appendChild(li);
    });
    box.appendChild(intro);
    box.appendChild(list);
  }

  var counter = 0;

  // The goal's field names its hints (aria-describedby), so a screen reader reads them with the field.
  function describe(row) {
    var box = row.querySelector("[data-smart-hints]");
    var goal = row.querySelector('[name$="-goal"]');
    if (!box || !goal) {
      return;
    }
    if (!box.id) {
      counter += 1;
      box.id = "smart-hints-" + counter;
    }
    var ids = (goal.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (ids.indexOf(box.id) === -1) {
      ids.push(box.id);
      goal.setAttribute("aria-describedby", ids.join(" "));
    }
  }

  function onEdit(event) {
    var target = event.target;
    var row = target && target.closest ? target.closest("fieldset.item") : null;
    if (!row || !row.querySelector("[data-smart-hints]")) {
      return;
    }
    describe(row);
    window.clearTimeout(row.smartHintsTimer);
    row.smartHintsTimer = window.setTimeout(function () {
      render(row);
    }, DELAY);
  }

  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);
  Array.prototype.forEach.call(form.querySelectorAll("fieldset.item"), describe);
})();
