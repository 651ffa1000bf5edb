from odoo import Command, models


class MailMail(models.Model):
    """The mail queue attaches the customer statements the dunning left to it
    (``credit.dunning.statement_pending``) before the mails leave: one PDF
    engine run for the statements of the batch being sent."""

    _inherit = "mail.mail"

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        self._credit_dunning_attach_statements()
        return super().send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            post_send_callback=post_send_callback,
        )

    def _credit_dunning_attach_statements(self):
        """Render the pending statements of these mails' dunnings and attach
        them. A statement that cannot be rendered is noted on the dunning
        (``statement_note``) and its mail leaves without it.

        :return: the number of statements attached
        """
        mails = self.sudo().filtered(
            lambda m: m.model == "credit.dunning" and m.res_id and m.state == "outgoing"
        )
        if not mails:
            return 0
        dunnings = (
            self.env["credit.dunning"]
            .sudo()
            .browse(set(mails.mapped("res_id")))
            .exists()
            .filtered("statement_pending")
        )
        if not dunnings:
            return 0
        attachments = dunnings._statement_attach()
        dunnings.write({"statement_pending": False})
        attached = 0
        for mail in mails:
            attachment_id = attachments.get(mail.res_id)
            if attachment_id and attachment_id not in mail.attachment_ids.ids:
                mail.write({"attachment_ids": [Command.link(attachment_id)]})
                attached += 1
        return attached
