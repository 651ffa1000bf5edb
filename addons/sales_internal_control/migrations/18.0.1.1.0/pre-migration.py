def migrate(cr, version):
    """control.log.message became the message in the reader's language
    (computed); the text as written moves to message_text, so that the lines
    written before keep showing it."""
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'control_log'
           AND column_name IN ('message', 'message_text')
        """
    )
    columns = {row[0] for row in cr.fetchall()}
    if "message" in columns and "message_text" not in columns:
        cr.execute("ALTER TABLE control_log RENAME COLUMN message TO message_text")
