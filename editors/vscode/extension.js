// Starts `dandori lsp` (the language server built into the dandori binary) for .flow
// files. The binary is `dandori.path` from the settings, or `dandori` on PATH.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('dandori').get('path') || 'dandori';
  const server = { command, args: ['lsp'] };
  client = new LanguageClient(
    'dandori',
    'dandori language server',
    { run: server, debug: server },
    { documentSelector: [{ scheme: 'file', language: 'dandori' }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
