"""An email backend for the worker-kill test: writes each message to a file, slowly.

The pause gives the test time to kill the worker in the middle of sending.
"""

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "4")))
        return super().send_messages(email_messages)
