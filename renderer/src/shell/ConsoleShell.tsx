import { AppShell, ScrollArea } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { SectionView } from '../sections/SectionView';
import { ClassificationBanner } from './ClassificationBanner';
import { ColorSchemeToggle } from './ColorSchemeToggle';
import { CommandPalette, PaletteButton } from './CommandPalette';
import { ControlPlaneBanner } from './ControlPlaneBanner';
import { Navigation } from './Navigation';
import { ProductBar } from './ProductBar';
import { bannerMarking } from '../../../shared/config/banner-marking';
import { ShownMarkingProvider, type ShownMarking } from './shown-marking';
import { StatusBar } from './StatusBar';
import { useConsoleStatus } from './use-console-status';
import { useHashSection } from './use-hash-section';
import classes from './shell.module.css';

const BANNER = 24;
const PRODUCT_BAR = 48;
const STATUS_BAR = 28;

/**
 * The console after the notice was acknowledged: classification banner and product bar on top,
 * sections on the left, the section in the middle, the status bar and the bottom banner below.
 */
/** "2026-11-25 18:03 UTC": acknowledgement times are stated in UTC, like the audit record. */
function utcMinute(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function ConsoleShell({
  info,
  acknowledgedAt,
  operator,
}: {
  info: AppInfo;
  acknowledgedAt: string | null;
  /** Who is logged in, with Lock and Log out (renderer/src/login). */
  operator?: ReactNode;
}) {
  const section = useHashSection();
  const status = useConsoleStatus();
  const [palette, setPalette] = useState(false);
  // The marking of what is displayed, when it carries its own (an opened bundle) above the console's.
  const [shown, setShown] = useState<ShownMarking | null>(null);
  const { marking, of } = bannerMarking(info, shown);
  return (
    <ShownMarkingProvider set={setShown}>
      <a href="#main-content" className={classes.skipLink}>
        Skip to main content
      </a>
      <AppShell
        header={{ height: BANNER + PRODUCT_BAR }}
        footer={{ height: STATUS_BAR + BANNER }}
        navbar={{ width: 220, breakpoint: 0 }}
        // No animated layout: while a resize animates, the navigation would paint over the bottom banner.
        transitionDuration={0}
        padding="lg"
        withBorder
      >
        <AppShell.Header withBorder={false}>
          <ClassificationBanner marking={marking} position="top" of={of} />
          <ProductBar version={info.version}>
            <PaletteButton onOpen={() => setPalette(true)} />
            {operator}
            <ColorSchemeToggle />
          </ProductBar>
        </AppShell.Header>
        <AppShell.Navbar className={classes.navbar}>
          <AppShell.Section grow component={ScrollArea} className={classes.navScroll}>
            <Navigation current={section} />
          </AppShell.Section>
          <AppShell.Section className={classes.navFooter}>
            Notice and consent acknowledged{acknowledgedAt ? ` ${utcMinute(acknowledgedAt)}` : ''} for this session.
          </AppShell.Section>
        </AppShell.Navbar>
        <AppShell.Main id="main-content" tabIndex={-1} className={classes.main}>
          <div className={classes.content}>
            <ControlPlaneBanner status={status} />
            <SectionView section={section} />
          </div>
        </AppShell.Main>
        <AppShell.Footer withBorder={false} className={classes.footer}>
          <StatusBar status={status} version={info.version} />
          <ClassificationBanner marking={marking} position="bottom" of={of} />
        </AppShell.Footer>
      </AppShell>
      <CommandPalette opened={palette} onOpen={() => setPalette(true)} onClose={() => setPalette(false)} />
    </ShownMarkingProvider>
  );
}
