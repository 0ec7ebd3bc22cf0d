/*
 * The installable app's page script (every page, deferred): registers the service worker, tells it
 * when the person has signed out, and on the devices page turns Web Push on and off for this device.
 * Every page works without it.
 */
'use strict';
(function () {
  if (!('serviceWorker' in navigator)) return showPushControls(null);
  const registered = navigator.serviceWorker.register('/sw.js', { scope: '/' });
  if (document.body.hasAttribute('data-signed-out')) {
    navigator.serviceWorker.ready.then((registration) => registration.active && registration.active.postMessage({ type: 'signed-out' }));
  }
  registered.then(showPushControls, () => showPushControls(null));

  function base64urlToBytes(text) {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
    const raw = atob(base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = {};
    }
    return { status: response.status, data };
  }

  function showPushControls(registration) {
    const box = document.getElementById('push-controls');
    if (!box) return;
    const status = document.getElementById('push-status');
    const form = document.getElementById('push-form');
    const off = document.getElementById('push-off');
    const offBox = document.getElementById('push-off-box');
    const nameInput = document.getElementById('deviceName');
    const nameError = document.getElementById('deviceName-error');
    const say = (key) => {
      status.textContent = box.dataset[key] || '';
    };
    box.hidden = false;
    document.getElementById('push-needs-script').hidden = true;
    if (!registration || !('PushManager' in window) || !('Notification' in window)) {
      say('msgUnsupported');
      return;
    }
    const csrf = box.dataset.csrf;
    const refresh = (outcome) => window.location.assign(window.location.pathname + '?push=' + outcome);
    form.hidden = false;
    registration.pushManager.getSubscription().then((existing) => {
      offBox.hidden = !existing;
    });

    async function save(subscription) {
      const json = subscription.toJSON();
      return post('/account/notifications/devices/subscribe', { _csrf: csrf, endpoint: json.endpoint, keys: json.keys, deviceName: nameInput.value });
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      nameError.hidden = true;
      nameInput.removeAttribute('aria-invalid');
      try {
        const permission = await Notification.requestPermission();
        if (permission !== 'granted') return say('msgDenied');
        const options = { userVisibleOnly: true, applicationServerKey: base64urlToBytes(box.dataset.key) };
        let subscription = await registration.pushManager.subscribe(options);
        let answer = await save(subscription);
        if (answer.status === 409) {
          // This browser's address belongs to another person's account: make a new one (which ends the old).
          await subscription.unsubscribe();
          subscription = await registration.pushManager.subscribe(options);
          answer = await save(subscription);
        }
        if (answer.status === 200) return refresh('on');
        if (answer.status === 400 && answer.data.errors && answer.data.errors.deviceName) {
          nameError.textContent = answer.data.errors.deviceName;
          nameError.hidden = false;
          nameInput.setAttribute('aria-invalid', 'true');
          nameInput.focus();
          return;
        }
        say('msgFailed');
      } catch {
        say('msgFailed');
      }
    });

    off.addEventListener('click', async () => {
      try {
        const subscription = await registration.pushManager.getSubscription();
        if (subscription) {
          await post('/account/notifications/devices/unsubscribe', { _csrf: csrf, endpoint: subscription.endpoint });
          await subscription.unsubscribe();
        }
        refresh('off');
      } catch {
        say('msgFailed');
      }
    });
  }
})();
