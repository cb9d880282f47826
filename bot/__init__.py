"""iop-bot: a Telegram bot that helps a virtual IOP keep people in their sessions."""
