// One radiologist's live worklist. The list arrives whole in every server-sent "worklist" event
// (on connect and after each change), so rendering is a pure function of the last list.
// Text only ever goes in through textContent: nothing from the server is parsed as HTML.
'use strict';

(function () {
  const radiologist = decodeURIComponent(location.pathname.split('/')[2] || '');
  const base = '/api/worklists/' + encodeURIComponent(radiologist);
  const CLASSES = {
    STAT: { label: 'STAT', css: 'stat', why: 'STAT order' },
    SUSPICIOUS_IN_CLINIC: { label: 'Suspicious · in clinic', css: 'in-clinic',
      why: 'suspicious finding while the patient is still in the clinic' },
    SUSPICIOUS: { label: 'Suspicious', css: 'suspicious', why: 'suspicious finding' },
    ROUTINE: { label: 'Routine', css: 'routine', why: 'routine study, longest waiting first' }
  };
  let items = [];
  let receivedAt = Date.now();
  let renders = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function minutesNow(item) {
    return item.minutesWaiting + Math.floor((Date.now() - receivedAt) / 60000);
  }

  function waiting(minutes) {
    if (minutes < 60) return minutes + ' min';
    const h = Math.floor(minutes / 60);
    if (h < 48) return h + ' h ' + String(minutes % 60).padStart(2, '0') + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }

  function percent(score) {
    return score === null || score === undefined ? null : Math.round(score * 100);
  }

  function model(item) {
    return [item.modelName, item.modelVersion].filter(Boolean).join(' ');
  }

  function showMessage(text, kind) {
    const box = document.getElementById('message');
    box.textContent = text;
    box.dataset.kind = kind || 'error';
    box.hidden = !text;
  }

  function setLive(state, text) {
    const live = document.getElementById('live');
    live.dataset.state = state;
    document.getElementById('live-text').textContent = text;
  }

  function why(item) {
    const cls = CLASSES[item.priorityClass] || { why: item.priorityClass };
    const parts = [cls.why];
    const p = percent(item.studyScore);
    if (p !== null) parts.push('AI suspicion ' + p + '%' + (model(item) ? ' (' + model(item) + ')' : ''));
    parts.push('priority score ' + item.priorityScore.toFixed(3));
    parts.push('waiting ' + waiting(minutesNow(item)));
    if (item.reasons && item.reasons.length) parts.push(item.reasons.join('; '));
    return parts.join(' · ');
  }

  function act(item, action, button) {
    button.disabled = true;
    const url = base + '/studies/' + encodeURIComponent(item.studyInstanceUid) + '/' + action;
    fetch(url, { method: 'POST', headers: { Accept: 'application/json' } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.message || ('HTTP ' + response.status));
          showMessage('', 'info');
        });
      })
      .catch(function (e) {
        showMessage(e.message, 'error');
        button.disabled = false;
      });
    // No local update: the change comes back through the database and the event stream, so
    // every open page of this radiologist shows the same state.
  }

  function button(item, action, label, css) {
    const b = el('button', 'action ' + css, label);
    b.type = 'button';
    b.dataset.action = action;
    b.addEventListener('click', function () { act(item, action, b); });
    return b;
  }

  function row(item, index) {
    const tr = el('tr', index === 0 ? 'top' : '');
    tr.dataset.studyUid = item.studyInstanceUid;
    tr.dataset.priorityClass = item.priorityClass;
    const cls = CLASSES[item.priorityClass] || { label: item.priorityClass, css: 'routine' };

    tr.appendChild(el('td', 'num rank', item.readingOrder));

    const priority = el('td');
    priority.appendChild(el('span', 'badge ' + cls.css, cls.label));
    tr.appendChild(priority);

    tr.appendChild(el('td', 'num score', item.priorityScore.toFixed(3)));

    const suspicion = el('td', 'suspicion');
    const p = percent(item.studyScore);
    if (p === null) {
      suspicion.appendChild(el('span', 'muted', 'not scored'));
    } else {
      const meter = el('span', 'meter');
      const fill = el('span', 'fill ' + (p >= 50 ? 'high' : 'low'));
      fill.style.width = p + '%';
      meter.appendChild(fill);
      suspicion.appendChild(meter);
      suspicion.appendChild(el('span', 'pct', p + '%'));
    }
    tr.appendChild(suspicion);

    tr.appendChild(el('td', 'model', model(item) || '—'));
    const wait = el('td', 'num waiting', waiting(minutesNow(item)));
    wait.title = 'waiting since ' + new Date(item.waitingSince).toLocaleString();
    tr.appendChild(wait);

    const reasons = el('td', 'reasons');
    (item.reasons || []).forEach(function (r) { reasons.appendChild(el('span', 'chip', r)); });
    if (item.patientInClinic) reasons.appendChild(el('span', 'chip clinic', 'patient in clinic'));
    if (!reasons.firstChild) reasons.appendChild(el('span', 'muted', '—'));
    tr.appendChild(reasons);

    const study = el('td', 'study');
    study.appendChild(el('div', 'accession', item.accessionNumber || 'no accession'));
    const uid = el('div', 'uid', item.studyInstanceUid);
    uid.title = item.studyInstanceUid;
    study.appendChild(uid);
    tr.appendChild(study);

    const status = el('td', 'status');
    if (item.status === 'CLAIMED') {
      status.appendChild(el('span', 'pill claimed',
        item.claimedBy === radiologist ? 'claimed by you' : 'claimed by ' + item.claimedBy));
    } else {
      status.appendChild(el('span', 'pill unread', item.status.toLowerCase()));
    }
    tr.appendChild(status);

    const actions = el('td', 'actions');
    if (item.status === 'CLAIMED' && item.claimedBy === radiologist) {
      actions.appendChild(button(item, 'complete', 'Complete', 'primary'));
      actions.appendChild(button(item, 'release', 'Release', 'secondary'));
    } else if (item.status !== 'CLAIMED') {
      actions.appendChild(button(item, 'claim', 'Claim', 'primary'));
    }
    tr.appendChild(actions);
    return tr;
  }

  function render() {
    const body = document.getElementById('rows');
    const fresh = document.createDocumentFragment();
    items.forEach(function (item, i) { fresh.appendChild(row(item, i)); });
    body.replaceChildren(fresh);
    document.getElementById('empty').hidden = items.length > 0;
    document.getElementById('worklist').hidden = items.length === 0;
    document.getElementById('count').textContent =
      items.length + (items.length === 1 ? ' study' : ' studies');
    const top = items[0];
    document.getElementById('why').hidden = !top;
    if (top) document.getElementById('why-text').textContent = why(top);
  }

  function receive(list) {
    items = list;
    receivedAt = Date.now();
    render();
    renders++;
    // For tests and curious operators: how many lists this page has received without reloading.
    document.body.dataset.renders = String(renders);
  }

  function loadOnce() {
    return fetch(base, { headers: { Accept: 'application/json' } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.message || ('HTTP ' + response.status));
        return body;
      });
    });
  }

  function connect() {
    const source = new EventSource(base + '/events');
    source.addEventListener('open', function () { setLive('live', 'live'); showMessage('', 'info'); });
    source.addEventListener('worklist', function (e) { receive(JSON.parse(e.data)); setLive('live', 'live'); });
    source.addEventListener('error', function () {
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (unknown radiologist, bad id): say why and stop.
        setLive('down', 'offline');
        loadOnce().catch(function (e) { showMessage(e.message, 'error'); });
      } else {
        // EventSource reconnects by itself; the first event after it brings the current list.
        setLive('connecting', 'reconnecting');
      }
    });
  }

  function describeRadiologist() {
    document.getElementById('radiologist-name').textContent = radiologist;
    document.title = radiologist + ' · Worklist · RTR';
    fetch('/api/radiologists', { headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (list) {
        const me = list.find(function (r) { return r.radiologistId === radiologist; });
        if (me && me.displayName) {
          document.getElementById('radiologist-name').textContent = me.displayName;
          document.getElementById('radiologist-detail').textContent =
            radiologist + (me.subspecialty ? ' · ' + me.subspecialty : '');
          document.title = me.displayName + ' · Worklist · RTR';
        }
      })
      .catch(function () { /* the id already shows; the display name is a nicety */ });
  }

  describeRadiologist();
  connect();
  // Minutes waiting keep counting between changes.
  setInterval(function () { if (items.length) render(); }, 30000);
})();
