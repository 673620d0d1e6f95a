"""Channel adapters: Telegram, Zalo and the console. Nothing in the domain imports these."""
