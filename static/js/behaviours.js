// Behaviour that templates ask for with data attributes, so that no page needs an inline script, an
// inline event handler or a style attribute under the Content-Security-Policy (script-src and
// style-src 'self'). Styles set from script (element.style) are allowed by the policy.
(function () {
  "use strict";

  var SIZES = { width: "width", height: "height", minWidth: "minWidth", maxHeight: "maxHeight" };

  function applySizes(root) {
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-width],[data-height],[data-min-width],[data-max-height]"));
    if (root.matches && root.matches("[data-width],[data-height],[data-min-width],[data-max-height]")) {
      nodes.push(root);
    }
    nodes.forEach(function (el) {
      Object.keys(SIZES).forEach(function (key) {
        if (el.dataset[key]) {
          el.style[SIZES[key]] = el.dataset[key];
        }
      });
    });
  }

  function customerTabs() {
    // The customer card opens the tab named in the address (#contacts) and keeps the address in step.
    var links = document.querySelectorAll('.customer-tabs a[data-bs-toggle="tab"]');
    if (!links.length || !window.bootstrap) {
      return;
    }
    var hash = window.location.hash;
    links.forEach(function (a) {
      if (hash && a.getAttribute("href") === hash) {
        window.bootstrap.Tab.getOrCreateInstance(a).show();
      }
      a.addEventListener("shown.bs.tab", function () {
        history.replaceState(null, "", a.getAttribute("href"));
      });
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target.closest ? event.target.closest("[data-submit-on-change]") : null;
    if (el && el.form) {
      el.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    applySizes(document);
    customerTabs();
  });

  // Content swapped in by htmx (the import progress bar) gets its sizes too.
  document.addEventListener("htmx:load", function (event) {
    if (event.detail && event.detail.elt) {
      applySizes(event.detail.elt);
    }
  });
})();
