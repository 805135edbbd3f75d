import classes from './overlay-layer.module.css';

/** The element every Mantine Portal renders into (theme.ts sets it as Portal's default target). */
export const OVERLAY_LAYER_ID = 'arx-overlays';

/**
 * Creates the overlay layer once, before the first render: a Portal whose target selector finds
 * nothing would render into a detached node, so the layer must exist before any overlay opens.
 */
export function installOverlayLayer(doc: Document = document): HTMLElement {
  const existing = doc.getElementById(OVERLAY_LAYER_ID);
  if (existing) return existing;
  const layer = doc.createElement('div');
  layer.id = OVERLAY_LAYER_ID;
  layer.className = classes.layer ?? '';
  layer.setAttribute('data-overlay-layer', '');
  doc.body.appendChild(layer);
  return layer;
}
