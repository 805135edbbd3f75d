import { Button, Card, Stack, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';

/** Verify a certificate that is not stored here: paste its DSSE envelope (envelope.json). */
export function ImportVerify({ onVerify }: { onVerify: (envelope: string) => void }) {
  const [text, setText] = useState('');
  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <Title order={3}>Verify an imported certificate</Title>
        <Text size="sm">Paste a fidelity certificate (the DSSE envelope JSON, as exported in envelope.json).</Text>
        <Textarea
          label="Certificate envelope (JSON)"
          autosize
          minRows={3}
          maxRows={8}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
        <Button w="fit-content" disabled={text.trim().length < 2} onClick={() => onVerify(text)}>
          Verify imported certificate
        </Button>
      </Stack>
    </Card>
  );
}
