"""The hosted pages' French texts (the same keys as texts_en.EN)."""

from __future__ import annotations

FR: dict[str, str] = {
    # champs et boutons
    "email": "Adresse e-mail",
    "password": "Mot de passe",
    "new_password": "Nouveau mot de passe",
    "confirm_password": "Nouveau mot de passe, à nouveau",
    "display_name": "Nom (facultatif)",
    "password_hint": "Au moins {min} caractères.",
    "sign_in": "Se connecter",
    "sign_out": "Se déconnecter",
    "create_account": "Créer un compte",
    "cancel": "Annuler",
    # connexion
    "login_title": "Connexion",
    "login_for_client": "Connectez-vous pour continuer vers {client}.",
    "no_account": "Pas encore de compte\u00a0? Créez-en un",
    "forgot_password": "Mot de passe oublié\u00a0?",
    "continue_as": "Continuer avec {email}",
    "another_account": "Ou connectez-vous avec un autre compte\u00a0:",
    "email_verified": "Votre adresse e-mail est vérifiée. Vous pouvez vous connecter.",
    "invalid_credentials": "Adresse e-mail ou mot de passe incorrect.",
    "unverified_user": "Votre adresse e-mail n'est pas encore vérifiée. Suivez le lien que nous vous avons "
                       "envoyé, puis connectez-vous.",
    "disabled_user": "Ce compte est désactivé. Contactez l'administrateur.",
    # second facteur
    "mfa_title": "Vérification en deux étapes",
    "mfa_intro": "Saisissez le code à 6 chiffres de votre application d'authentification, ou l'un de vos "
                 "codes de récupération.",
    "mfa_code": "Code de vérification",
    "verify": "Vérifier",
    "invalid_code": "Ce code n'est pas valide. Saisissez le code actuel de votre application.",
    "mfa_expired": "La connexion a pris trop de temps ou a reçu trop de codes erronés. Reconnectez-vous.",
    # connecté
    "signed_in_title": "Connexion réussie",
    "signed_in_as": "Session ouverte avec le compte {email}.",
    "your_account": "Votre compte",
    # inscription
    "signup_title": "Créez votre compte",
    "signup_for_client": "Créez un compte pour continuer vers {client}.",
    "have_account": "Vous avez déjà un compte\u00a0? Connectez-vous",
    "email_in_use": "Un compte existe déjà avec cette adresse e-mail. Connectez-vous, ou réinitialisez son "
                    "mot de passe.",
    "password_too_short": "Le mot de passe est trop court\u00a0: utilisez au moins {min} caractères.",
    "password_pwned": "Ce mot de passe figure dans une fuite de données. Choisissez-en un autre.",
    "invalid_email": "Saisissez une adresse e-mail valide.",
    "invalid_input": "Vérifiez votre saisie et réessayez.",
    "captcha_failed": "Le captcha n'a pas pu être vérifié. Refaites-le, puis envoyez le formulaire.",
    "signup_disabled": "Les inscriptions sont fermées sur ce serveur.",
    "check_email_title": "Consultez vos e-mails",
    "check_email_body": "Nous avons envoyé un lien à {email}. Ouvrez-le pour vérifier votre adresse, puis "
                        "connectez-vous.",
    # mot de passe oublié
    "forgot_title": "Réinitialiser votre mot de passe",
    "forgot_intro": "Saisissez l'adresse e-mail de votre compte\u00a0: nous vous enverrons un lien pour choisir un "
                    "nouveau mot de passe.",
    "send_link": "Envoyer le lien",
    "forgot_sent_body": "Si {email} a un compte ici, un lien pour réinitialiser son mot de passe est en route. "
                        "Il reste valable {expires}.",
    "back_to_sign_in": "Retour à la connexion",
    # nouveau mot de passe
    "reset_title": "Choisissez un nouveau mot de passe",
    "save_password": "Enregistrer le mot de passe",
    "passwords_differ": "Les deux mots de passe sont différents.",
    "reset_done_title": "Mot de passe modifié",
    "reset_done_body": "Votre mot de passe est modifié et toutes les sessions ont été fermées. Connectez-vous "
                       "avec le nouveau mot de passe.",
    "invite_title": "Acceptez votre invitation",
    "invite_intro": "Choisissez le mot de passe de votre compte {email}.",
    "invite_done_title": "Votre compte est prêt",
    "invite_done_body": "Votre mot de passe est enregistré. Connectez-vous avec votre adresse email et ce mot de "
                        "passe.",
    "invite_expired_title": "Cette invitation a expiré",
    "invite_expired_body": "Le lien d'invitation n'est plus valide (déjà utilisé ou trop ancien). Demandez-en un "
                           "nouveau à la personne qui vous a invité.",
    "link_expired_title": "Ce lien a expiré",
    "link_expired_body": "Ce lien n'est plus valide. Demandez-en un nouveau.",
    "ask_new_link": "Demander un nouveau lien",
    # consentement
    "consent_title": "Autoriser {client} à accéder à votre compte\u00a0?",
    "consent_account": "Vous êtes connecté avec le compte {email}.",
    "consent_intro": "{client} pourra\u00a0:",
    "consent_nothing": "Savoir que vous vous êtes connecté.",
    "consent_revocable": "Vous pouvez retirer cet accès à tout moment depuis la page de votre compte.",
    "allow": "Autoriser",
    "deny": "Refuser",
    "scope_openid": "Savoir qui vous êtes",
    "scope_profile": "Voir votre nom, votre photo de profil et votre langue",
    "scope_email": "Voir votre adresse e-mail",
    "scope_phone": "Voir votre numéro de téléphone",
    "scope_offline_access": "Rester connecté quand vous ne l'utilisez pas",
    # compte
    "account_title": "Votre compte",
    "consents_heading": "Applications autorisées",
    "no_consents": "Aucune application n'a accès à votre compte.",
    "consent_given": "Autorisée le {date}",
    "scopes_label": "Accès\u00a0: {scopes}",
    "revoke": "Retirer l'accès",
    "revoke_label": "Retirer l'accès de {client}",
    "consent_revoked": "L'accès a été retiré.",
    # déconnexion
    "logout_title": "Se déconnecter\u00a0?",
    "logout_intro": "Votre session {app} sera fermée sur ce navigateur.",
    "stay_signed_in": "Rester connecté",
    "signed_out_title": "Session fermée",
    "signed_out_body": "Vous pouvez fermer cette fenêtre.",
    # clés d'accès
    "provider_failed": "La connexion avec ce fournisseur n'a pas abouti. Réessayez, ou connectez-vous autrement.",
    "continue_with": "Continuer avec {provider}",
    "or": "ou",
    "passkey_sign_in": "Se connecter avec une clé d'accès",
    "passkey_failed": "La clé d'accès n'a pas pu être utilisée. Réessayez, ou connectez-vous avec votre mot de passe.",
    "passkeys_heading": "Clés d'accès",
    "no_passkeys": "Aucune clé d'accès\u00a0: ajoutez-en une pour vous connecter sans mot de passe.",
    "passkey_name": "Nom de la nouvelle clé d'accès (facultatif)",
    "passkey_add": "Ajouter une clé d'accès",
    "passkey_added": "Clé d'accès ajoutée. Vous pouvez maintenant vous connecter avec elle.",
    "passkey_add_failed": "La clé d'accès n'a pas pu être ajoutée. Réessayez.",
    "passkey_unnamed": "Clé d'accès",
    "passkey_added_on": "Ajoutée le {date}",
    "passkey_remove": "Supprimer",
    "passkey_remove_label": "Supprimer la clé d'accès {name}",
    "passkey_removed": "La clé d'accès a été supprimée.",
    "passkey_last": "Cette clé d'accès est votre dernier moyen de connexion\u00a0: ajoutez d'abord un mot "
                    "de passe ou une autre clé d'accès.",
    "passkey_sign_in_again": "Par sécurité, reconnectez-vous avant de modifier vos clés d'accès.",
    # erreurs
    "error_title": "Une erreur s'est produite",
    "error_body": "La demande n'a pas pu aboutir. Réessayez.",
    "server_error_body": "Une erreur inattendue s'est produite. Réessayez dans un instant.",
    "not_found_title": "Page introuvable",
    "not_found_body": "Cette page n'existe pas.",
    "request_expired_title": "Cette demande de connexion a expiré",
    "request_expired_body": "Retournez dans l'application et recommencez.",
    "csrf_title": "Ce formulaire a expiré",
    "csrf_body": "Le formulaire a été envoyé sans son jeton de sécurité. Revenez en arrière, rechargez la page "
                 "et réessayez.",
    "too_many_title": "Trop de tentatives",
    "too_many_body": "Patientez quelques minutes, puis réessayez.",
}
