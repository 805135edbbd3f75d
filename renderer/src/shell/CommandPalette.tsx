import { Kbd, Modal, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useState, type KeyboardEvent } from 'react';
import { openInExplorer } from '../audit/explorer/link';
import { useTenant } from '../tenant/tenant-context';
import { goTo } from './go-to';
import { paletteCommands, type PaletteAction } from './palette-commands';
import classes from './shell.module.css';

/** Ctrl+K anywhere (inputs included): jump to a screen, a tenant, or an event by seq or id. */
export function CommandPalette({
  opened,
  onOpen,
  onClose,
}: {
  opened: boolean;
  onOpen: () => void;
  onClose: () => void;
}) {
  useHotkeys([['mod+K', () => (opened ? onClose() : onOpen())]], []);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Go to…"
      size="lg"
      yOffset="12vh"
      closeButtonProps={{ 'aria-label': 'Close the palette' }}
    >
      {opened ? <PaletteBody onDone={onClose} /> : null}
    </Modal>
  );
}

function PaletteBody({ onDone }: { onDone: () => void }) {
  const { tenants, current, select, lockedBecause } = useTenant();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const commands = paletteCommands(query, tenants, current?.tenant ?? null);
  const shown = Math.min(active, Math.max(0, commands.length - 1));

  const run = (a: PaletteAction) => {
    onDone();
    if (a.kind === 'section') goTo(a.section, a.tab);
    else if (a.kind === 'tenant') select(a.tenantId);
    else if (current) {
      openInExplorer(current.tenantId, a.kind === 'search' ? { search: a.id } : {}, a.kind === 'event' ? a.seq : null);
      goTo('audit', 'explorer');
    }
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const moves: Record<string, number> = {
      ArrowDown: shown + 1,
      ArrowUp: shown - 1,
      Home: 0,
      End: commands.length - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      setActive(Math.max(0, Math.min(commands.length - 1, moves[e.key]!)));
    } else if (e.key === 'Enter' && commands[shown]) {
      e.preventDefault();
      run(commands[shown].action);
    }
  };
  return (
    <Stack gap="sm">
      <TextInput
        data-autofocus
        role="combobox"
        aria-label="Screen, tenant, or event seq or id"
        aria-expanded
        aria-controls="palette-list"
        aria-activedescendant={commands[shown] ? `palette-${shown}` : undefined}
        aria-autocomplete="list"
        placeholder="Type a screen, a tenant, an event seq (#447) or an event or request id"
        value={query}
        onChange={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKey}
      />
      <PaletteList commands={commands} shown={shown} lockedBecause={lockedBecause} onHover={setActive} onRun={run} />
      <Text size="xs" c="dimmed">
        <Kbd>↑</Kbd> <Kbd>↓</Kbd> to choose, <Kbd>Enter</Kbd> to go, <Kbd>Esc</Kbd> to close.
      </Text>
    </Stack>
  );
}

/** The matches as a listbox; the input above keeps the focus and points at the active option. */
function PaletteList({
  commands,
  shown,
  lockedBecause,
  onHover,
  onRun,
}: {
  commands: ReturnType<typeof paletteCommands>;
  shown: number;
  lockedBecause: string | null;
  onHover: (i: number) => void;
  onRun: (a: PaletteAction) => void;
}) {
  return (
    <div id="palette-list" role="listbox" aria-label="Matches" className={classes.paletteList}>
      {commands.map((c, i) => (
        <UnstyledButton
          key={c.id}
          id={`palette-${i}`}
          role="option"
          aria-label={c.label}
          aria-selected={i === shown}
          tabIndex={-1}
          className={classes.paletteItem}
          onMouseEnter={() => onHover(i)}
          onClick={() => onRun(c.action)}
          disabled={c.action.kind === 'tenant' && lockedBecause !== null}
        >
          <Text size="sm" fw={600}>
            {c.label}
          </Text>
          <Text size="xs" c="dimmed">
            {c.action.kind === 'tenant' && lockedBecause ? lockedBecause : c.hint}
          </Text>
        </UnstyledButton>
      ))}
      {commands.length === 0 ? (
        <Text size="sm" c="dimmed" p="xs" role="status">
          Nothing matches. An event can be opened by its seq (#447) or found by its event or request id.
        </Text>
      ) : null}
    </div>
  );
}

/** The header's button for the palette, for those who do not know the shortcut. */
export function PaletteButton({ onOpen }: { onOpen: () => void }) {
  return (
    <UnstyledButton className={classes.paletteButton} onClick={onOpen} aria-label="Go to… (Ctrl+K)">
      Go to… <Kbd size="xs">Ctrl K</Kbd>
    </UnstyledButton>
  );
}
