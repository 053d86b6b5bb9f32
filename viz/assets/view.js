/* reform-kg view: draws the graph embedded in #kg-data with vis-network.
 * Everything the page needs is inline; the Content-Security-Policy forbids any fetch.
 * Tooltips are built with textContent, so property values are never parsed as HTML. */
var network = null;
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("kg-data").textContent);
  var status = document.getElementById("kg-status");

  function tooltip(head, rows) {
    var box = document.createElement("div");
    box.className = "kg-tip";
    var h = document.createElement("div");
    h.className = "kg-tip-head";
    h.textContent = head;
    box.appendChild(h);
    if (rows && rows.length) {
      var table = document.createElement("table");
      rows.forEach(function (kv) {
        var tr = table.insertRow();
        var th = document.createElement("th");
        th.textContent = kv[0];
        tr.appendChild(th);
        tr.insertCell().textContent = kv[1];
      });
      box.appendChild(table);
    }
    return box;
  }

  function withTooltips(items) {
    items.forEach(function (item) {
      item.title = tooltip(item.tip_head, item.tip);
      delete item.tip_head;
      delete item.tip;
    });
    return items;
  }

  var nodes = new vis.DataSet(withTooltips(payload.nodes));
  var edges = new vis.DataSet(withTooltips(payload.edges));
  var container = document.getElementById("kg-network");
  network = new vis.Network(container, { nodes: nodes, edges: edges }, payload.options);
  window.kgView = { network: network, nodes: nodes, edges: edges, ready: false };

  function done() {
    if (window.kgView.ready) return;
    // physics=False: the layout is computed once, then frozen.
    if (!payload.physics) network.setOptions({ physics: { enabled: false } });
    network.fit();
    status.textContent = "";
    status.hidden = true;
    window.kgView.ready = true;
    document.body.setAttribute("data-kg-ready", "1");
  }
  network.on("stabilizationProgress", function (p) {
    status.textContent = "布局中 Laying out… " + Math.round((100 * p.iterations) / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", done);
  network.once("stabilized", done);
  if (nodes.length === 0) done();
})();
