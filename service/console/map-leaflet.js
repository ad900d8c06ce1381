// The map on a real basemap: Leaflet (vendored from npm under vendor/leaflet/), used only when the
// element's `tile-url` attribute is set. Same interface as `SvgMap`: setCall, removeCall, setUnits,
// select.

const LEAFLET = new URL("./vendor/leaflet/leaflet-src.esm.js", import.meta.url).href;
export const LEAFLET_CSS = new URL("./vendor/leaflet/leaflet.css", import.meta.url).href;

export async function createTileMap(container, { tileUrl, attribution, reducedMotion }) {
  const L = await import(LEAFLET);
  return new TileMap(L, container, { tileUrl, attribution, reducedMotion });
}

class TileMap {
  constructor(L, container, { tileUrl, attribution, reducedMotion }) {
    this.L = L;
    this.reducedMotion = reducedMotion;
    const element = document.createElement("div");
    element.className = "leaflet-host";
    container.replaceChildren(element);
    this.map = L.map(element, { zoomControl: true, keyboard: false, attributionControl: true });
    L.tileLayer(tileUrl, { attribution: attribution || "", maxZoom: 18 }).addTo(this.map);
    this.map.setView([40.5, -105.0], 10);
    this.calls = new Map();
    this.units = new Map();
    this.fitted = false;
  }

  setCall(decision) {
    const call = decision.call;
    if (!call) return;
    const at = [call.location.lat, call.location.lon];
    let marker = this.calls.get(decision.call_id);
    if (!marker) {
      marker = this.L.circleMarker(at, { radius: 6, className: "call-marker" }).addTo(this.map);
      marker.bindTooltip(decision.call_id);
      this.calls.set(decision.call_id, marker);
    } else {
      marker.setLatLng(at);
    }
    marker.setStyle({ className: `call-marker band-${decision.triage.band}` });
  }

  removeCall(callId) {
    const marker = this.calls.get(callId);
    if (marker) marker.remove();
    this.calls.delete(callId);
  }

  setUnits(units) {
    const seen = new Set();
    for (const unit of units) {
      seen.add(unit.unit_id);
      const at = [unit.location.lat, unit.location.lon];
      let marker = this.units.get(unit.unit_id);
      if (!marker) {
        marker = this.L.circleMarker(at, { radius: 8, className: "unit-marker", weight: 3 }).addTo(this.map);
        marker.bindTooltip(unit.unit_id, { permanent: true, direction: "right" });
        this.units.set(unit.unit_id, marker);
      } else {
        marker.setLatLng(at);
      }
    }
    for (const [unitId, marker] of this.units) {
      if (!seen.has(unitId)) {
        marker.remove();
        this.units.delete(unitId);
      }
    }
    if (!this.fitted && this.units.size + this.calls.size > 0) {
      const points = [...this.units.values(), ...this.calls.values()].map((m) => m.getLatLng());
      this.map.fitBounds(this.L.latLngBounds(points).pad(0.1));
      this.fitted = true;
    }
  }

  select(decision) {
    if (!decision || !decision.call) return;
    this.map.panTo([decision.call.location.lat, decision.call.location.lon], {
      animate: !this.reducedMotion(),
    });
  }
}
