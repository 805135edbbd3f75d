import { Paper } from '@mantine/core';
import type { ReactNode } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { ClassificationBanner } from '../shell/ClassificationBanner';
import { ProductBar } from '../shell/ProductBar';
import classes from './gate.module.css';

/** Class for a gate screen's focusable heading (no focus ring on the programmatic focus). */
export const gateHeading = classes.heading;

/**
 * The frame of the screens that stand before the console (notice and consent, login, lock):
 * classification banners top and bottom, the product bar, and one centred panel.
 */
export function GateScreen({ info, maxWidth, children }: { info: AppInfo; maxWidth: number; children: ReactNode }) {
  return (
    <div className={classes.frame}>
      <header className={classes.top}>
        <ClassificationBanner marking={info} position="top" />
        <ProductBar version={info.version} />
      </header>
      <main className={classes.main} id="main-content">
        <Paper withBorder shadow="xs" p="xl" radius="sm" className={classes.panel} style={{ maxWidth }}>
          {children}
        </Paper>
      </main>
      <footer className={classes.bottom}>
        <ClassificationBanner marking={info} position="bottom" />
      </footer>
    </div>
  );
}
