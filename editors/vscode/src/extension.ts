// The Carel extension: starts `carel lsp` for the workspace and connects it to the editor.
// Everything the editor shows (diagnostics, hover, completion, quick fixes, formatting) comes
// from the language server, which compiles the ruleset exactly as `carel check` does.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("carel");
  const command = config.get<string>("path", "carel");
  const serverOptions: ServerOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "carel" },
      { scheme: "untitled", language: "carel" },
    ],
    synchronize: {
      // Files changed outside the editor (git checkout, another tool) are read again.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.carel"),
    },
    initializationOptions: {
      debounceMs: config.get<number>("debounceMs", 100),
    },
  };
  client = new LanguageClient("carel", "Carel", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Carel: could not start \`${command} lsp\`. Install carel (cargo install --path .) ` +
        `or set "carel.path" to the carel executable. (${String(error)})`
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}
