// Casework's page behaviour. It lives in this file because the Content-Security-Policy allows
// scripts from 'self' only: no inline <script>, no on* attributes. Every page works without it;
// it only moves focus, hides what does not apply, and saves clicks.
(function () {
  "use strict";

  // An error summary takes the focus, so a screen reader reads it first and the keyboard starts
  // at the list of links to the fields.
  function focusErrorSummary(root) {
    var summary = root.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // A form whose fields depend on one choice: <form data-depends-on="kind"
  // data-fields-for='{"transferred": ["to_person", …], …}'>. Fields listed for any choice are
  // hidden unless listed for the current one; without this script every field shows.
  function applyDependentFields(form) {
    var chooser = form.elements[form.dataset.dependsOn];
    var map;
    try {
      map = JSON.parse(form.dataset.fieldsFor);
    } catch (error) {
      return;
    }
    if (!chooser) {
      return;
    }
    var dependent = {};
    Object.keys(map).forEach(function (choice) {
      map[choice].forEach(function (name) {
        dependent[name] = true;
      });
    });
    function update() {
      var wanted = map[chooser.value] || [];
      Object.keys(dependent).forEach(function (name) {
        var group = form.querySelector('[data-field="' + name + '"]');
        if (group) {
          group.hidden = wanted.indexOf(name) === -1;
        }
      });
    }
    chooser.addEventListener("change", update);
    update();
  }

  // Repeated blocks (identifiers on a referral): the blocks after the first that are still empty
  // start hidden; "Add another" reveals the next one and moves the focus into it.
  function setUpAddAnother(container) {
    var blocks = Array.prototype.slice.call(container.querySelectorAll("[data-repeat-block]"));
    var button = container.querySelector("[data-add-another]");
    if (!button || blocks.length < 2) {
      return;
    }
    function isEmpty(block) {
      return Array.prototype.every.call(
        block.querySelectorAll("input:not([type=hidden]), textarea"),
        function (input) {
          return !input.value;
        }
      ) && !block.querySelector(".usa-error-message");
    }
    var lastFilled = 0;
    blocks.forEach(function (block, index) {
      if (!isEmpty(block)) {
        lastFilled = index;
      }
    });
    blocks.forEach(function (block, index) {
      block.hidden = index > lastFilled;
    });
    function refreshButton() {
      button.hidden = !blocks.some(function (block) {
        return block.hidden;
      });
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var next = blocks.filter(function (block) {
        return block.hidden;
      })[0];
      if (next) {
        next.hidden = false;
        var first = next.querySelector("input, select, textarea");
        if (first) {
          first.focus();
        }
      }
      refreshButton();
    });
    refreshButton();
  }

  function enhance(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-depends-on]"), applyDependentFields);
    Array.prototype.forEach.call(root.querySelectorAll("[data-repeat]"), setUpAddAnother);
    Array.prototype.forEach.call(root.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  function start() {
    enhance(document);
    focusErrorSummary(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // Content that htmx swaps in (a form returned with errors) gets the same treatment.
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
    focusErrorSummary(event.target);
  });
})();
