// The OPP editor as one working surface (templates/opp/version_editor.html, opp.views.version_autosave).
//
// - Each section ([data-section]) saves itself when the user pauses typing (2 s) or leaves the section: one
//   request, so one audited save, per section per pause. The section's revision is the optimistic lock: the
//   answer carries the new one, and a refusal (someone else saved the section, the version moved on) leaves
//   the text on the screen, says so in the section's status (aria-live) and stops autosaving that section
//   until the user saves it with its button (the page then shows both texts side by side).
// - Item rows (handelingsdeel, factoren, leerrendement) are added, moved and removed in place; their order
//   goes along as the formset's ORDER fields and is saved like any other change. A handelingsdeel row carries
//   its lasting goal in a hidden field; the answer to an autosave fills it in for a new row ("fields").
// - "Opslaan" stays a normal form post (the page is one form): the other sections' pending text is saved
//   first, then the post goes, and the server sends the browser back to the section's anchor.
// - A warning before leaving the page while text is not saved.
// Without this script the form works as before: one button per section, and text typed elsewhere comes back.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form || !window.fetch || !window.FormData || !window.Promise || !form.closest) {
    return;
  }
  var URL_ = form.getAttribute("data-autosave-url");
  var DELAY = 2000;
  var states = {};
  var submitting = false;

  function msg(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  function token() {
    var el = form.elements.namedItem("csrfmiddlewaretoken");
    return el ? el.value : "";
  }

  function sections() {
    return Array.prototype.slice.call(form.querySelectorAll("[data-section]"));
  }

  function keyOf(el) {
    var section = el && el.closest ? el.closest("[data-section]") : null;
    return section ? section.getAttribute("data-section") : null;
  }

  function fieldsOf(key) {
    var prefix = key + "-";
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name.indexOf(prefix) === 0 && !el.disabled;
    });
  }

  // --- item rows --------------------------------------------------------------------------------------------------

  function rowsOf(key) {
    var box = form.querySelector('[data-items="' + key + '"]');
    return box ? Array.prototype.slice.call(box.children) : [];
  }

  function field(row, suffix) {
    return row.querySelector('[name$="-' + suffix + '"]');
  }

  function rowIndex(row) {
    var order = field(row, "ORDER");
    var match = order ? /-(\d+)-ORDER$/.exec(order.name) : null;
    return match ? Number(match[1]) : -1;
  }

  function isEmpty(row) {
    return !Array.prototype.some.call(row.querySelectorAll("textarea, input[type=text]"), function (el) {
      return el.value.trim() !== "";
    });
  }

  function isDeleted(row) {
    var del = field(row, "DELETE");
    return Boolean(del && del.checked);
  }

  // ORDER follows the rows on the screen; a new row left empty gets none, so it stays an untouched extra row.
  function renumber(key) {
    var initial = form.elements.namedItem(key + "-INITIAL_FORMS");
    if (!initial) {
      return;
    }
    var initialCount = Number(initial.value);
    var n = 0;
    var label = msg("row");
    rowsOf(key).forEach(function (row) {
      var order = field(row, "ORDER");
      if (!order || isDeleted(row)) {
        return;
      }
      if (rowIndex(row) < initialCount || !isEmpty(row)) {
        n += 1;
        order.value = String(n);
        var legend = row.querySelector("legend");
        if (legend && label) {
          legend.textContent = label + " " + n;
        }
      } else {
        order.value = "";
      }
    });
  }

  function prepareRow(row) {
    ["ORDER", "DELETE"].forEach(function (suffix) {
      var el = field(row, suffix);
      var wrapper = el ? el.closest('[id^="div_id_"]') : null;
      if (wrapper) {
        wrapper.hidden = true;
      }
    });
    Array.prototype.forEach.call(row.querySelectorAll("[data-js-show]"), function (el) {
      el.hidden = false;
    });
  }

  function visibleRows(key) {
    return rowsOf(key).filter(function (row) {
      return !row.hidden;
    });
  }

  function addRow(key) {
    var template = document.getElementById("nieuw-" + key);
    var total = form.elements.namedItem(key + "-TOTAL_FORMS");
    var max = form.elements.namedItem(key + "-MAX_NUM_FORMS");
    var box = form.querySelector('[data-items="' + key + '"]');
    if (!template || !total || !box) {
      return;
    }
    var index = Number(total.value);
    if (max && index >= Number(max.value)) {
      return;
    }
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    box.appendChild(row);
    total.value = String(index + 1);
    prepareRow(row);
    var first = row.querySelector("textarea, input[type=text], select");
    if (first) {
      first.focus();
    }
    status(key, msg("added"));
  }

  function rowAction(button) {
    var row = button.closest("fieldset");
    var key = keyOf(button);
    if (!row || !key) {
      return;
    }
    var rows = visibleRows(key);
    var at = rows.indexOf(row);
    var action = button.getAttribute("data-row");
    if (action === "up" && at > 0) {
      row.parentNode.insertBefore(row, rows[at - 1]);
      button.focus();
      status(key, msg("moved"));
    } else if (action === "down" && at >= 0 && at < rows.length - 1) {
      row.parentNode.insertBefore(rows[at + 1], row);
      button.focus();
      status(key, msg("moved"));
    } else if (action === "remove") {
      var del = field(row, "DELETE");
      if (del) {
        del.checked = true;
      }
      row.hidden = true;
      var next = rows[at + 1] || rows[at - 1];
      var target = next ? next.querySelector("button[data-row]") : form.querySelector('[data-add-row="' + key + '"]');
      if (target) {
        target.focus();
      }
      status(key, msg("removed"));
    } else {
      return;
    }
    renumber(key);
    schedule(key);
  }

  // --- autosave ---------------------------------------------------------------------------------------------------

  function snapshot(key) {
    renumber(key);
    return fieldsOf(key).filter(function (el) {
      return !/-revision$/.test(el.name) && !((el.type === "checkbox" || el.type === "radio") && !el.checked);
    }).map(function (el) {
      return el.name + "=" + el.value;
    }).join("\n");
  }

  function state(key) {
    if (!states[key]) {
      states[key] = { timer: null, busy: null, saved: snapshot(key), blocked: false, again: false };
    }
    return states[key];
  }

  function changed(key) {
    return snapshot(key) !== state(key).saved;
  }

  function status(key, text, kind) {
    var el = document.getElementById("status-" + key);
    if (!el) {
      return;
    }
    el.textContent = text;
    el.className = "small mb-0 save-status" + (kind === "error" ? " text-danger fw-semibold" : "");
  }

  function markErrors(key, errors) {
    fieldsOf(key).forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    (errors || []).forEach(function (error) {
      var el = error.name ? form.elements.namedItem(error.name) : null;
      if (el && el.setAttribute) {
        el.setAttribute("aria-invalid", "true");
      }
    });
  }

  function payload(key) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    data.append("section", key);
    fieldsOf(key).forEach(function (el) {
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        return;
      }
      data.append(el.name, el.value);
    });
    return data;
  }

  function schedule(key) {
    var st = state(key);
    window.clearTimeout(st.timer);
    st.timer = null;
    if (st.blocked || !changed(key)) {
      return;
    }
    if (!st.busy) {
      status(key, msg("dirty"));
    }
    st.timer = window.setTimeout(function () {
      save(key);
    }, DELAY);
  }

  function save(key) {
    var st = state(key);
    window.clearTimeout(st.timer);
    st.timer = null;
    if (st.busy) {
      st.again = true;
      return st.busy;
    }
    if (st.blocked || !changed(key)) {
      return Promise.resolve();
    }
    var sent = snapshot(key);
    status(key, msg("saving"));
    st.busy = fetch(URL_, {
      method: "POST", body: payload(key), credentials: "same-origin", redirect: "manual", cache: "no-store",
      headers: { "X-CSRFToken": token(), Accept: "application/json" },
    }).then(function (response) {
      if (response.type === "opaqueredirect") {
        throw new Error("session");  // logged out: the login page answered
      }
      if ((response.headers.get("Content-Type") || "").indexOf("application/json") === -1) {
        throw new Error("failed");
      }
      return response.json().then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    }).then(function (answer) {
      var body = answer.body;
      markErrors(key, body.errors);
      if (answer.ok) {
        var revision = form.elements.namedItem(key + "-revision");
        if (revision) {
          revision.value = String(body.revision);
        }
        // Hidden fields the server filled (a new handelingsdeel row's lasting goal): part of what is now saved.
        var unchanged = snapshot(key) === sent;
        Object.keys(body.fields || {}).forEach(function (name) {
          var el = form.elements.namedItem(name);
          if (el && el.type === "hidden") {
            el.value = String(body.fields[name]);
          }
        });
        st.saved = unchanged ? snapshot(key) : sent;
        // Changed again while this save was under way (typed on, a row moved): not "Opgeslagen" until that is too.
        status(key, changed(key) ? msg("dirty") : body.message);
      } else {
        if (answer.status === 409) {
          st.blocked = true;  // someone else saved it, or the version moved on: the user decides, by hand
        }
        var texts = (body.errors || []).map(function (e) {
          return e.text;
        });
        status(key, [body.message].concat(texts).join(" "), "error");
      }
    }).catch(function (error) {
      var name = error && error.message === "session" ? "session" : error && error.message === "failed" ? "failed" : "offline";
      status(key, msg(name), "error");
    }).then(function () {
      st.busy = null;
      if (st.again) {
        st.again = false;
        schedule(key);
      }
    });
    return st.busy;
  }

  // --- events -----------------------------------------------------------------------------------------------------

  function onEdit(event) {
    var key = keyOf(event.target);
    if (key) {
      schedule(key);
    }
  }

  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);

  form.addEventListener("focusout", function (event) {
    var key = keyOf(event.target);
    if (!key || submitting) {
      return;
    }
    var section = event.target.closest("[data-section]");
    if (event.relatedTarget && section.contains(event.relatedTarget)) {
      return;  // still in the same section
    }
    if (changed(key)) {
      save(key);
    }
  });

  // Enter in a one-line field saves its own section (the browser would press the form's first button).
  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key !== "Enter" || el.tagName !== "INPUT" || el.type === "checkbox" || el.type === "radio") {
      return;
    }
    var key = keyOf(el);
    if (key) {
      event.preventDefault();
      save(key);
    }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-row], button[data-add-row]") : null;
    if (!button) {
      return;
    }
    event.preventDefault();
    if (button.hasAttribute("data-add-row")) {
      addRow(button.getAttribute("data-add-row"));
    } else {
      rowAction(button);
    }
  });

  // A button's plain save: first the other sections' pending text (and this section's running save), then the post.
  form.addEventListener("submit", function (event) {
    if (submitting) {
      return;
    }
    var submitter = event.submitter || null;
    var own = submitter ? submitter.value : null;
    var waits = [];
    sections().forEach(function (section) {
      var key = section.getAttribute("data-section");
      var st = state(key);
      window.clearTimeout(st.timer);
      st.timer = null;
      if (key !== own && !st.blocked && changed(key)) {
        waits.push(save(key));
      } else if (st.busy) {
        waits.push(st.busy);
      }
      renumber(key);
    });
    if (!waits.length) {
      submitting = true;  // nothing to wait for: the browser posts the form now
      return;
    }
    event.preventDefault();
    Promise.all(waits).then(function () {
      // Out of this submit event first: a form does not submit again while its submit event is being handled.
      window.setTimeout(function () {
        submitting = true;
        if (submitter && form.requestSubmit) {
          form.requestSubmit(submitter);
          return;
        }
        if (submitter && submitter.name) {  // older browsers: the pressed button's name and target by hand
          var pressed = document.createElement("input");
          pressed.type = "hidden";
          pressed.name = submitter.name;
          pressed.value = submitter.value;
          form.appendChild(pressed);
          form.action = submitter.formAction || form.action;
        }
        form.submit();
      }, 0);
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting) {
      return undefined;
    }
    var unsaved = sections().some(function (section) {
      var key = section.getAttribute("data-section");
      return changed(key) || Boolean(state(key).busy);
    });
    if (!unsaved) {
      return undefined;
    }
    event.preventDefault();
    event.returnValue = msg("leave");
    return msg("leave");
  });

  // --- start ------------------------------------------------------------------------------------------------------

  Array.prototype.forEach.call(form.querySelectorAll("[data-js-show]"), function (el) {
    el.hidden = false;
  });
  Array.prototype.forEach.call(form.querySelectorAll(".js-hide"), function (el) {
    el.hidden = true;
  });
  sections().forEach(function (section) {
    var key = section.getAttribute("data-section");
    // A page shown again after a refused save lists the rows by number; show them in the order the user gave.
    rowsOf(key).map(function (row) {
      var order = field(row, "ORDER");
      var value = order && order.value !== "" ? Number(order.value) : Infinity;
      return { row: row, order: value, index: rowIndex(row) };
    }).sort(function (a, b) {
      return a.order - b.order || a.index - b.index;
    }).forEach(function (item) {
      item.row.parentNode.appendChild(item.row);
    });
    rowsOf(key).forEach(function (row) {
      prepareRow(row);
      if (isDeleted(row)) {
        row.hidden = true;
      }
    });
    state(key);
  });
})();
