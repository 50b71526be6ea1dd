/*
 * Progressive enhancement for generated forms (templates/forms/fields.html).
 *
 * Everything works without this file: lists come with blank rows to fill
 * and "Add another" and "Remove" buttons that post the page back, and
 * dependent questions are always shown. With it, those buttons add and
 * remove rows in place (they become type="button"), and a question that
 * only matters once another is answered stays hidden (and is not sent)
 * until then. No inline script is needed, so the page can keep a strict
 * Content-Security-Policy.
 */
(function () {
  "use strict";

  var PLACEHOLDER = "__index__";
  var RENAMED = ["id", "name", "for", "aria-describedby", "data-depends-on"];
  // Without scripts, list buttons post these values back to the server.
  var ACTION_VALUE = /^(add|remove):/;

  function isAnswered(element) {
    var controls = element.matches("input, select, textarea")
      ? [element]
      : Array.prototype.slice.call(element.querySelectorAll("input, select, textarea"));
    return controls.some(function (control) {
      if (control.disabled || control.type === "hidden") {
        return false;
      }
      if (control.type === "checkbox" || control.type === "radio") {
        // The "No answer" radio posts "", which leaves the answer out.
        return control.checked && control.value !== "";
      }
      return control.value.trim() !== "";
    });
  }

  function rowIndex(row, listId) {
    var named = row.querySelector("[id^='" + listId + "-']");
    var match = named && named.id.slice(listId.length + 1).match(/^(\d+)/);
    return match ? parseInt(match[1], 10) : -1;
  }

  function rename(root, from, to) {
    Array.prototype.forEach.call(root.querySelectorAll("*"), function (element) {
      var names = ACTION_VALUE.test(element.getAttribute("value") || "")
        ? RENAMED.concat(["value"])
        : RENAMED;
      names.forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && value.indexOf(from) !== -1) {
          element.setAttribute(attribute, value.split(from).join(to));
        }
      });
      if (element.tagName === "TEMPLATE") {
        rename(element.content, from, to);
      }
    });
  }

  function setUpRows(fieldset) {
    var list = fieldset.querySelector(":scope > [data-row-list]");
    var template = fieldset.querySelector(":scope > template[data-row-template]");
    if (!list || !template || fieldset.hasAttribute("data-rows-ready")) {
      return;
    }
    fieldset.setAttribute("data-rows-ready", "");
    var listId = fieldset.id;
    var limit = parseInt(fieldset.getAttribute("data-max-rows") || "0", 10);
    // The server's "Add another" posts the page; here it adds in place.
    var add = fieldset.querySelector(":scope > .row-add");
    if (!add) {
      return;
    }
    add.type = "button";

    function rows() {
      return Array.prototype.filter.call(list.children, function (child) {
        return child.hasAttribute("data-row");
      });
    }

    function refresh() {
      rows().forEach(function (row, position) {
        // The row's label and its "Remove" button both carry its number;
        // numbers inside nested lists belong to their own rows.
        var numbers = row.querySelectorAll("[data-row-number]");
        Array.prototype.forEach.call(numbers, function (number) {
          if (number.closest("[data-row]") === row) {
            number.textContent = String(position + 1);
          }
        });
      });
      add.disabled = limit > 0 && rows().length >= limit;
    }

    function setUpRemove(row) {
      var remove = row.querySelector(":scope > .row-remove");
      if (!remove) {
        return;
      }
      remove.type = "button";
      remove.addEventListener("click", function () {
        row.parentNode.removeChild(row);
        refresh();
        add.focus();
        updateDependents();
      });
    }

    // Keep one blank row to type into; the rest were only for browsers
    // without scripts.
    var blank = rows().filter(function (row) { return !isAnswered(row); });
    blank.slice(1).forEach(function (row) { row.parentNode.removeChild(row); });
    rows().forEach(setUpRemove);

    add.addEventListener("click", function () {
      var next = rows().reduce(function (highest, row) {
        return Math.max(highest, rowIndex(row, listId));
      }, -1) + 1;
      var copy = template.content.cloneNode(true);
      rename(copy, listId + "-" + PLACEHOLDER, listId + "-" + next);
      var row = copy.querySelector("[data-row]");
      list.appendChild(copy);
      setUpRemove(row);
      Array.prototype.forEach.call(row.querySelectorAll("[data-rows]"), setUpRows);
      refresh();
      updateDependents();
      // The row's own first field, not its hidden marker: focus left on
      // the button would fall to the page once the last row disables it.
      var first = firstAnswerable(row);
      if (first) {
        first.focus();
      }
    });

    refresh();
  }

  function firstAnswerable(row) {
    var controls = row.querySelectorAll("input, select, textarea");
    return Array.prototype.find.call(controls, function (control) {
      return control.type !== "hidden" && !control.disabled &&
        control.closest("[hidden]") === null;
    }) || null;
  }

  function isTriggered(wrapper) {
    // A trigger this page does not show (the server adds it) is always
    // sent, and the server then requires the follow-up: show it.
    return wrapper.getAttribute("data-depends-on").split(" ").some(function (id) {
      var controller = document.getElementById(id);
      return controller === null || isAnswered(controller);
    });
  }

  function showDependent(wrapper, shown) {
    if (wrapper.hidden === !shown) {
      return false;
    }
    wrapper.hidden = !shown;
    // Hidden questions are disabled so that a stale answer is not sent;
    // only controls this script disabled are enabled again.
    var controls = wrapper.querySelectorAll("input, select, textarea");
    Array.prototype.forEach.call(controls, function (control) {
      if (!shown && !control.disabled) {
        control.disabled = true;
        control.setAttribute("data-disabled-by-form", "");
      } else if (shown && control.hasAttribute("data-disabled-by-form")) {
        control.disabled = false;
        control.removeAttribute("data-disabled-by-form");
      }
    });
    return true;
  }

  function updateDependents() {
    // A follow-up can itself be a trigger, placed before or after the
    // question it follows; showing or hiding one changes what counts as
    // answered, so go round until nothing changes (at most once more than
    // there are follow-ups, a chain's length).
    var dependents = document.querySelectorAll("[data-depends-on]");
    for (var round = 0; round <= dependents.length; round += 1) {
      var changed = false;
      Array.prototype.forEach.call(dependents, function (wrapper) {
        changed = showDependent(wrapper, isTriggered(wrapper)) || changed;
      });
      if (!changed) {
        return;
      }
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-rows]"), setUpRows);
    updateDependents();
    document.addEventListener("input", updateDependents);
    document.addEventListener("change", updateDependents);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
