from django.utils import translation


class UserLanguageMiddleware:
    """Show the interface in the signed-in user's preferred language.

    Runs after LocaleMiddleware (which serves anonymous visitors from the cookie or the
    browser) and after authentication, so a user's own choice wins on every device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
