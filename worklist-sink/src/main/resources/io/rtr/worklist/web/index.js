// The radiologist picker. Text only ever goes in through textContent: nothing from the server is parsed as HTML.
'use strict';

(function () {
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showMessage(text) {
    const box = document.getElementById('message');
    box.textContent = text;
    box.hidden = false;
  }

  fetch('/api/radiologists', { headers: { Accept: 'application/json' } })
    .then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.message || ('HTTP ' + response.status));
        return body;
      });
    })
    .then(function (radiologists) {
      const list = document.getElementById('radiologists');
      document.getElementById('empty').hidden = radiologists.length > 0;
      radiologists.forEach(function (r) {
        const item = el('li');
        const link = el('a', 'pick');
        link.href = '/worklist/' + encodeURIComponent(r.radiologistId);
        link.appendChild(el('span', 'pick-name', r.displayName || r.radiologistId));
        link.appendChild(el('span', 'muted', r.radiologistId + (r.subspecialty ? ' · ' + r.subspecialty : '')));
        link.appendChild(el('span', 'pick-count', r.openStudies + (r.openStudies === 1 ? ' study' : ' studies')));
        item.appendChild(link);
        list.appendChild(item);
      });
    })
    .catch(function (e) { showMessage('Cannot load the radiologists: ' + e.message); });
})();
