#pragma once

#include "feedprofile.h"

#include <QCoreApplication>
#include <QStringList>
#include <QVariantMap>

#include <memory>

namespace Longwatch {

/// The context of the profiles' own sentences (knobs, URLs).
class ProfileText
{
    Q_DECLARE_TR_FUNCTIONS(Longwatch::ProfileText)
};

struct GenericJsonOptions;

/// The feed profiles Longwatch knows, by id ("seed-events", ...), in the
/// order a person should see them.
QStringList profileIds();

/// One line describing a profile, for --help and the channel dialog.
QString profileDescription(const QString &id);

/// Builds the profile `id` for `url`. `knobs` override the profile's
/// defaults; their names are those of knobNames() (e.g. "events-path",
/// "hold"), values as text. Returns nullptr and fills `errors` with sentences
/// if the profile is unknown or a knob is not valid.
std::unique_ptr<FeedProfile> createProfile(const QString &id, const QUrl &url,
                                           const QVariantMap &knobs, QStringList *errors);

/// A knob, as createProfile() takes it and as a person sees it.
struct ProfileKnob
{
    QString name;  ///< as saved and typed: "cursor-target", "longwatch-tail --cursor-target"
    QString label; ///< what a form calls it, in words, no colon: "Cursor goes in"
    QString help;  ///< one line: which values it takes and what they do
};

/// Every knob createProfile() understands, in the order a person should see
/// them. The one list of knobs: knobNames() is made from it.
QList<ProfileKnob> profileKnobs();

/// Whether `knob` is one of the settings of profile `profileId` that a form
/// should offer: the knobs the profile reads as its own. Profiles built on
/// generic-json's options (ntfy, telegram-getupdates) accept its knobs too,
/// but a person setting them up does not need them, so they are not offered.
/// True for an unknown profile, so nothing is hidden by mistake.
bool profileTakesKnob(const QString &profileId, const QString &knob);

/// Every knob name createProfile() understands, with a one-line help text.
QList<std::pair<QString, QString>> knobNames();

/// Applies `knobs` to generic JSON options; returns the sentences for knobs
/// that are not valid.
QStringList applyKnobs(GenericJsonOptions &options, const QVariantMap &knobs);

} // namespace Longwatch
